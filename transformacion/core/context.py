"""The context a domain function gets (evidence, retry policy, dry-run, confirmation, run-wide cache), the planned
calls it records, and ``converge``: read -> diff -> (dry-run stop) -> confirm -> write -> read back and verify."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from transformacion.core.evidence import ActionLog
from transformacion.core.outcome import Outcome, Rejected
from transformacion.core.retry import RetryPolicy, _invoke_with_retry_after

#: key, inside a shared ``Context.cache``, of the per-key locks that make concurrent rows load a missing value once
_LOAD_LOCKS = object()


@dataclass(frozen=True)
class PlannedCall:
    """A write the action makes (or would make in dry-run), shown exactly as sent: method, path, body."""

    method: str
    path: str
    body: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {'method': self.method, 'path': self.path, 'body': self.body}


@dataclass
class Context:
    """Everything a domain function needs besides the SDK client and its typed parameters."""

    log: ActionLog
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    dry_run: bool = False
    assume_yes: bool = False
    interactive: bool = False
    org_id: str | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    planned: list[PlannedCall] = field(default_factory=list)
    sleep: Callable[[float], None] = time.sleep

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A read or an idempotent write, with retries."""
        return _invoke_with_retry_after(fn, *args, policy=self.policy, log=self.log, sleep=self.sleep, **kwargs)

    def write(
        self,
        planned: PlannedCall,
        fn: Callable[..., Any],
        *args: Any,
        recover: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Record a planned write and, unless in dry-run, make it. A POST with ``recover`` is never replayed blindly."""
        self.planned.append(planned)
        if self.dry_run:
            return None
        idempotent = planned.method != 'POST' or recover is None
        return _invoke_with_retry_after(
            fn,
            *args,
            policy=self.policy,
            log=self.log,
            sleep=self.sleep,
            idempotent=idempotent,
            recover=recover,
            **kwargs,
        )

    def confirm(self, what: str, current: Any, desired: Any) -> None:
        """High-impact change: proceed with ``--yes`` or a 's' typed on a terminal, else Rejected."""
        if self.dry_run or self.assume_yes:
            return
        if self.interactive:
            print(f'{what}\n  actual:  {json.dumps(current, ensure_ascii=False)}', file=sys.stderr)
            print(f'  deseado: {json.dumps(desired, ensure_ascii=False)}', file=sys.stderr)
            print('¿Aplicar el cambio? [s/N] ', end='', file=sys.stderr, flush=True)  # never on stdout: the JSON
            answer = sys.stdin.readline().strip().lower()
            if answer in ('s', 'si', 'sí', 'y', 'yes'):
                return
        raise Rejected(
            f'{what}: cambio de alto impacto sin confirmar; revise el estado actual y el deseado y repita con --yes',
            {'current': current, 'desired': desired},
        )

    def cached(self, key: str, load: Callable[[], Any]) -> Any:
        """A value resolved once per run (names to ids), shared by every row of a batch; rows asking for it at the
        same time wait for one load instead of each making the same calls."""
        if key not in self.cache:
            locks = self.cache.setdefault(_LOAD_LOCKS, {})  # type: ignore[call-overload]
            with locks.setdefault(key, threading.Lock()):
                if key not in self.cache:
                    self.cache[key] = load()
        return self.cache[key]


def diff(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields of ``desired`` whose value differs from ``current``: ``{field: {before, after}}``."""
    return {
        key: {'before': current.get(key), 'after': value} for key, value in desired.items() if current.get(key) != value
    }


def converge(
    ctx: Context,
    *,
    entity: str,
    read: Callable[[], dict[str, Any]],
    desired: dict[str, Any],
    write: Callable[[dict[str, Any]], None],
    high_impact: bool = False,
) -> Outcome:
    """Read -> diff -> (dry-run stop) -> confirm -> write the difference -> read back and verify."""
    before = read()
    changes = diff(before, desired)
    if not changes:
        return Outcome('skipped', f'{entity}: ya está en el estado deseado', {'before': before, 'diff': {}})
    if ctx.dry_run:
        write(changes)
        return Outcome(
            'dry_run',
            f'{entity}: cambiaría {", ".join(changes)}',
            {'before': before, 'diff': changes, 'calls': [c.as_dict() for c in ctx.planned]},
        )
    if high_impact:
        ctx.confirm(entity, {k: before.get(k) for k in changes}, {k: v['after'] for k, v in changes.items()})
    write(changes)
    after = read()
    remaining = diff(after, desired)
    details = {
        'before': before,
        'diff': changes,
        'after': after,
        'calls': [c.as_dict() for c in ctx.planned],
        'verified': not remaining,
    }
    if remaining:
        return Outcome('error', f'{entity}: la verificación falla en {", ".join(remaining)}', details)
    return Outcome('executed', f'{entity}: actualizado {", ".join(changes)}', details)
