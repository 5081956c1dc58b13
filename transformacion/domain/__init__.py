"""Shared Webex logic used by several actions: name resolution, forwarding, intercom, outgoing permissions,
licenses, numbers, workspace prechecks, export. Imports only core."""
