"""The rate an organisation allows, remembered from one run to the next (issue 19): a run without ``--rate-limit``
learns the org's rate from its first 429 (``core.transport.RateController``), which costs the requests in flight;
the next run against the same org starts from it instead of probing again.

One JSON file in the log folder, ``<log dir>/rate_limits.json``: per API base URL and organisation id, the rate in
requests/s and when a run measured it (UTC). A rate measured less than ``FRESH_S`` ago is used from the first
request (at the controller's headroom); an older one, up to ``FORGET_S``, only starts the probing window; older
ones are ignored. Either way the run keeps adapting: a 429 cuts the rate, and what the run measures replaces the
remembered value. An unreadable file is treated as empty (a run never fails for it).
"""

from __future__ import annotations

import fcntl
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from transformacion.core.jsonfile import write_json
from transformacion.core.transport import RateController

RATES_FILE = 'rate_limits.json'
#: seconds a remembered rate is used as is
FRESH_S = 24 * 3600.0
#: seconds after which a remembered rate is ignored
FORGET_S = 30 * 24 * 3600.0


def _key(base_url: str, org_id: str) -> str:
    return f'{base_url} {org_id}'


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return {}
    rates = data.get('rates') if isinstance(data, dict) else None
    return rates if isinstance(rates, dict) else {}


def recall(log_dir: Path, base_url: str, org_id: str, now: datetime | None = None) -> tuple[float, float] | None:
    """(rate in requests/s, its age in seconds) remembered for this base URL and org, or None when there is none
    (or it is older than ``FORGET_S``, or unreadable)."""
    entry = _read(Path(log_dir) / RATES_FILE).get(_key(base_url, org_id))
    try:
        rate = float(entry['rate'])
        learnt_at = datetime.fromisoformat(str(entry['learnt_at']).replace('Z', '+00:00'))
    except (TypeError, KeyError, ValueError):
        return None
    age = ((now or datetime.now(UTC)) - learnt_at).total_seconds()
    if rate <= 0 or age > FORGET_S:
        return None
    return rate, max(0.0, age)


def remember(log_dir: Path, base_url: str, org_id: str, rate: float, now: datetime | None = None) -> None:
    """Record ``rate`` (requests/s) as measured now for this base URL and org (other entries kept; written whole
    and replaced at once, under a lock, so concurrent runs do not lose each other's entries)."""
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / RATES_FILE
    when = (now or datetime.now(UTC)).isoformat(timespec='seconds').replace('+00:00', 'Z')
    with (log_dir / f'.{RATES_FILE}.lock').open('w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rates = _read(path)
        rates[_key(base_url, org_id)] = {
            'base_url': base_url,
            'org_id': org_id,
            'rate': round(rate, 3),
            'learnt_at': when,
        }
        write_json(path, {'rates': rates}, indent=1, sort_keys=True)


def start_from_memory(controller: RateController, log_dir: Path, base_url: str, org_id: str) -> dict[str, Any] | None:
    """Start an adaptive ``controller`` from the rate remembered for this org (``RateController.start_from``: fresh
    when younger than ``FRESH_S``); what was used, ``{rate, age_s, fresh}``, or None (nothing remembered, or the
    operator gave ``--rate-limit``)."""
    if not controller.adaptive:
        return None
    found = recall(log_dir, base_url, org_id)
    if found is None:
        return None
    rate, age = found
    fresh = age <= FRESH_S
    controller.start_from(rate, fresh=fresh)
    return {'rate': rate, 'age_s': round(age), 'fresh': fresh}


def keep_learnt(controller: RateController, log_dir: Path, base_url: str, org_id: str) -> float | None:
    """Remember the rate this run's 429s measured (``RateController.learnt``), if any; returns it (None also when
    the file cannot be written)."""
    learnt = controller.learnt() if controller.adaptive else None
    if learnt is None:
        return None
    try:
        remember(log_dir, base_url, org_id, learnt)
    except OSError:  # the next run probes again: nothing else depends on it
        return None
    return learnt
