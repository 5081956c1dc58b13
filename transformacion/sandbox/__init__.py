"""Local Webex API emulator: ``with running_sandbox() as sb:`` then point wxc_sdk at ``sb.base_url``.

See ARCHITECTURE.md next to this file for the layout and how to add an API area.
"""

from .server import Sandbox, running_sandbox

__all__ = ['Sandbox', 'running_sandbox']
