"""One atomic write of a JSON file, for every small state file the product keeps between runs (the rates learnt per
org, ``batch.rate_memory``; the renewed OAuth tokens, ``core.credentials.TokenCache``)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


def write_json(path: Path, data: Any, *, mode: int | None = None, fsync: bool = False, **dump: Any) -> None:
    """Write ``data`` as JSON (``json.dump`` with the options in ``dump``, e.g. ``indent``) to ``path`` atomically:
    a temporary file beside it (named per process and thread, so concurrent writers never share one), written whole,
    flushed to disk first when ``fsync`` (it survives a power cut), created with permissions ``mode`` when given
    (e.g. ``0o600`` for credentials: never readable by others, not even for a moment, whatever the umask), then
    renamed over ``path`` (``os.replace``). A reader, or a kill at any moment, finds the old file or the new one,
    never part of one; when anything fails (the rename included) the temporary is removed, the old file is left as
    it was and the error is raised."""
    path = Path(path)
    temporary = path.with_name(f'.{path.name}.{os.getpid()}.{threading.get_ident()}.tmp')
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666 if mode is None else mode)
    try:
        if mode is not None:
            os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, 'w', encoding='utf-8') as handle:
            json.dump(data, handle, **dump)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
