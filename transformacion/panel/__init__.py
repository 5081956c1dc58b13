"""The local control panel: the launcher's flow (load, select, plan, execute, history, schedule) in a browser, on
the batch engine's public API (``batch.options``, ``batch.validation``, ``batch.run``, ``batch.checkpoint``).

``python -m transformacion.panel`` (console script ``transformacion-panel``) serves it on 127.0.0.1 and prints
``PANEL_URL=http://127.0.0.1:PORT/?token=...`` first on stdout. The web stack (Starlette, Jinja2, uvicorn) is the
optional extra ``[panel]``, imported only by this package.
"""
