"""One panel per logs folder: an exclusive ``flock`` on ``<log dir>/panel/panel.lock``, held for the panel's life.

Two panels on one logs folder would both fire its scheduled runs (each has the timers of ``schedule.sqlite``), so the
second one refuses to start. The lock belongs to the open file, so it is released when the panel exits, even killed
(``kill -9``): a lock file left behind is never stale. The file names the holder's PID and address (without the
session token) for the refusal's message.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import IO

LOCK = 'panel.lock'


class PanelRunning(Exception):
    """Another panel holds the logs folder; the message (Spanish) names the folder and that panel's PID and URL."""


def claim(folder: Path, url: str) -> IO[str]:
    """Lock ``folder/panel.lock`` for this panel at ``url`` (no token); the open file, to keep until ``release``.
    PanelRunning when another process (or another panel of this process) holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = (folder / LOCK).open('a+', encoding='utf-8')
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = _holder(handle.read())
        handle.close()
        raise PanelRunning(
            f'ya hay un panel en marcha sobre la carpeta de registros {folder.parent}{holder}: dos paneles sobre la '
            'misma carpeta lanzarían dos veces cada ejecución programada; use ese panel o deténgalo antes'
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({'pid': os.getpid(), 'url': url}))
    handle.flush()
    return handle


def release(handle: IO[str]) -> None:
    """Unlock and close (the file stays; an unlocked file is free)."""
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


def _holder(text: str) -> str:
    try:
        found = json.loads(text)
        return f' (PID {int(found["pid"])}, {found["url"]})'
    except (ValueError, KeyError, TypeError):
        return ''
