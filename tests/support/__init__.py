"""Plain helpers of the test suite, imported by the test modules and the conftest files.

No fixture lives here: fixtures are in the ``conftest.py`` files. ``runs`` runs the product's commands and reads what
they leave, ``org`` knows the sandbox's default org, ``files`` reads and writes CSVs, ``batches`` builds launcher
folders and holds a test catalogue, ``locations`` and ``permissions`` serve the location and outgoing-permission tests,
``webex`` the tests that drive the sandbox through wxc_sdk, ``openapi`` the conformance tests and ``proof`` the
correctness proofs.
"""
