"""The context a domain function gets (evidence, retry policy, dry-run, confirmation, the run-wide cache), the
planned calls it records, and ``converge``: read -> diff -> check -> (dry-run stop) -> confirm -> create or write ->
read back and verify."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from transformacion.core.evidence import ActionLog
from transformacion.core.outcome import CONFIRM_CLI, UNCONFIRMED, Outcome, Rejected, confirm_step
from transformacion.core.params import Action
from transformacion.core.retry import RetryPolicy, _invoke_with_retry_after, read_back


@dataclass(frozen=True)
class PlannedCall:
    """A write the action makes (or would make in dry-run), shown exactly as sent: method, path, body."""

    method: str
    path: str
    body: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {'method': self.method, 'path': self.path, 'body': self.body}


#: ``Context.expect`` default: any state read is acceptable.
ANY_STATE: Any = object()

#: A key of the run-wide cache: ``(namespace, id)``; each namespace is a constant of the module that owns it.
CacheKey = tuple[str, str]


def _checked(key: CacheKey) -> CacheKey:
    if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(part, str) for part in key)):
        raise TypeError(f'a cache key is a (namespace, id) tuple of two strings, not {key!r}')
    return key


class RunCache:
    """Values resolved once per run (names to ids, the org's licenses, free units), shared by every row of a batch
    and safe across threads. Keys are ``(namespace, id)`` tuples (:data:`CacheKey`).

    ``bulk_rows``: the rows a batch has to run (0 outside a batch): with that many rows ahead, a look-up per row may
    cost more than listing the org once (``domain.resolve.person_by_email``)."""

    def __init__(self, bulk_rows: int = 0) -> None:
        self.bulk_rows = bulk_rows
        self._values: dict[CacheKey, Any] = {}
        self._locks: dict[CacheKey, threading.RLock] = {}
        self._guard = threading.Lock()

    def lock(self, key: CacheKey) -> threading.RLock:
        """The lock of one key, for a read-modify-write of its value (e.g. counting units down)."""
        with self._guard:
            return self._locks.setdefault(_checked(key), threading.RLock())

    def get(self, key: CacheKey, default: Any = None) -> Any:
        return self._values.get(_checked(key), default)

    def set(self, key: CacheKey, value: Any) -> None:
        self._values[_checked(key)] = value

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def get_or_load(self, key: CacheKey, load: Callable[[], Any]) -> Any:
        """The value of ``key``, loading it once: rows asking for it at the same time wait for one ``load()``
        instead of each making the same calls. A load that raises stores nothing."""
        if _checked(key) not in self._values:
            with self.lock(key):
                if key not in self._values:
                    self._values[key] = load()
        return self._values[key]


class NotHighImpact(RuntimeError):
    """A programming error: an action asked for confirmation without being declared ``high_impact``."""


@dataclass
class Context:
    """Everything a domain function needs besides the SDK client and its typed parameters.

    ``action`` is the declaration being run (set by ``execute``): it says whether the action is high-impact, the one
    condition under which :meth:`confirm` may ask.

    ``expect`` is the drift guard of a saved plan or a revert: the state ``converge`` must read before it writes,
    as ``{field: value}`` (only those fields are compared) or None (the entity must not exist yet); any other state
    is refused with reason ``drift`` (see :func:`drift`). The default, :data:`ANY_STATE`, accepts whatever is read.

    ``restore`` is a revert's: ``{field: value}`` that ``converge`` puts over the action's desired state (in place,
    so the action's own write sees it), bringing back the values a run changed; None (default) leaves the action's
    desired state as it is.
    """

    log: ActionLog
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    dry_run: bool = False
    assume_yes: bool = False
    confirm_with: str = CONFIRM_CLI
    interactive: bool = False
    org_id: str | None = None
    cache: RunCache = field(default_factory=RunCache)
    planned: list[PlannedCall] = field(default_factory=list)
    sleep: Callable[[float], None] = time.sleep
    action: Action | None = None
    expect: Any = ANY_STATE
    restore: dict[str, Any] | None = None

    @property
    def high_impact(self) -> bool:
        return self.action is not None and self.action.high_impact

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A read or an idempotent write, with retries."""
        return _invoke_with_retry_after(fn, *args, policy=self.policy, log=self.log, sleep=self.sleep, **kwargs)

    def write(
        self,
        planned: PlannedCall,
        fn: Callable[..., Any],
        *args: Any,
        recover: Callable[[], Any] | None = None,
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        """Record a planned write and, unless in dry-run, make it.

        A POST is not idempotent: after a transient failure (5xx, timeout, lost connection) it is sent again only when
        ``recover()`` (a read-back by natural key) found nothing, or when the call is declared ``idempotent=True``;
        without either it is sent once and the failure raised. Other methods are idempotent unless
        ``idempotent=False``. A 429 is always waited for and sent again (Webex did not process it).
        """
        self.planned.append(planned)
        if self.dry_run:
            return None
        if idempotent is None:
            idempotent = planned.method != 'POST'
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
        """High-impact change: proceed with ``--yes`` or a 's' typed on a terminal, else Rejected.

        Raises NotHighImpact when the action is not declared ``high_impact`` (also in dry-run and with ``--yes``),
        so that an action which can ask for ``--yes`` cannot be catalogued as not high-impact.
        """
        if not self.high_impact:
            name = self.action.name if self.action is not None else 'la acción'
            raise NotHighImpact(
                f'{name} pide confirmación ({what}) sin estar declarada de alto impacto (Action(high_impact=True))'
            )
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
            f'cambio de alto impacto sin confirmar: revise el estado actual y el deseado y '
            f'{confirm_step(self.confirm_with, "repita")}; {what}',
            {'reason': UNCONFIRMED, 'current': current, 'desired': desired},
        )

    def read_back(self, recover: Callable[[], Any]) -> Any:
        """``recover()`` until it finds something within ``policy.visibility_wait`` (Webex lists a new person or
        workspace seconds after its create), else None; a dry-run, which created nothing, reads once."""
        if self.dry_run:
            return recover()
        return read_back(recover, self.policy, self.sleep)

    def cached(self, key: CacheKey, load: Callable[[], Any]) -> Any:
        """A value resolved once per run and shared by every row of a batch: ``self.cache.get_or_load``."""
        return self.cache.get_or_load(key, load)


def diff(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields of ``desired`` whose value differs from ``current``: ``{field: {before, after}}``."""
    return {
        key: {'before': current.get(key), 'after': value} for key, value in desired.items() if current.get(key) != value
    }


def drift(expected: Any, current: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """How ``current`` departs from ``expected`` (a ``Context.expect``): ``{field: {expected, found}}``, empty when it
    holds. None expects an absent entity; its drift is the ``'exists'`` field."""
    if expected is ANY_STATE:
        return {}
    if expected is None or current is None:
        found, wanted = current is not None, expected is not None
        return {} if found == wanted else {'exists': {'expected': wanted, 'found': found}}
    return {
        key: {'expected': value, 'found': current.get(key)}
        for key, value in expected.items()
        if current.get(key) != value
    }


#: ``converge(current=...)`` default: read the state first.
UNREAD: Any = object()


def converge(
    ctx: Context,
    *,
    entity: str,
    read: Callable[[], dict[str, Any] | None],
    desired: dict[str, Any],
    write: Callable[[dict[str, Any]], str | None],
    create: Callable[[], str | None] | None = None,
    check: Callable[[dict[str, Any] | None, dict[str, Any]], None] | None = None,
    confirm_if: Callable[[dict[str, Any] | None, dict[str, Any]], str | None] | None = None,
    current: dict[str, Any] | None = UNREAD,
    unchanged: str = 'ya está en el estado deseado',
) -> Outcome:
    """The one way a domain function changes Webex: read -> diff -> check -> (dry-run stop) -> confirm -> create or
    write the difference -> read back and verify.

    ``read()`` returns the managed fields as a flat dict, or None when the entity does not exist yet; ``current``
    passes a state already read instead of the first ``read()``. Nothing differing from ``desired`` is ``skipped``
    with ``unchanged`` as the message. ``check(before, changes)`` raises Rejected when the change cannot be made
    (state-dependent checks); it runs before the dry-run stop, so the dry-run refuses what the real run would, and
    it may complete ``desired`` (the diff is taken again after it).
    ``create()`` (the entity is absent) and ``write(changes)`` (it exists) make their calls with ``ctx.write``; a
    create passes ``recover`` (read back by natural key), so it is never sent twice. Both run in dry-run too, where
    ``ctx.write`` only records the calls; each may return the step in Spanish for the message (e.g. ``'crear con
    Webex Calling'``), else the message lists the changed fields.

    Under ``ctx.restore`` (a revert) its values are put over ``desired`` first. Before the first write, the event
    ``change`` ``{entity, before, desired}`` goes to the log.

    A state that is already the desired one is ``skipped`` even under a drift guard; otherwise a ``before`` that
    departs from ``ctx.expect`` is refused (Rejected, details ``reason='drift'``, ``drift`` as :func:`drift` gives)
    before ``check``, the dry-run stop and any write.

    Confirmation is declared, not passed: when the action is declared ``high_impact`` every change is confirmed
    (``--yes`` or a terminal answer) unless ``confirm_if(before, changes)`` narrows it, returning what to show, or
    None for no confirmation. ``confirm_if`` on an action not declared high-impact raises NotHighImpact.

    Returns an Outcome whose details are ``before``, ``diff`` (``{field: {before, after}}``), ``calls`` and, after a
    real run, ``after`` and ``verified``; status ``error`` when the read-back still differs.
    """
    if confirm_if is not None and not ctx.high_impact:
        name = ctx.action.name if ctx.action is not None else 'la acción'
        raise NotHighImpact(f'{name} declara cuándo confirmar sin estar declarada de alto impacto')
    if ctx.restore is not None:
        desired.update(ctx.restore)
    before = read() if current is UNREAD else current
    changes = diff(before or {}, desired)
    details: dict[str, Any] = {'before': before, 'diff': changes}
    if not changes:
        return Outcome('skipped', f'{entity}: {unchanged}', details)
    drifted = drift(ctx.expect, before)
    if drifted:
        shown = ', '.join(f'{key}: esperado {d["expected"]!r}, encontrado {d["found"]!r}' for key, d in drifted.items())
        raise Rejected(
            f'{entity}: el estado en Webex cambió desde que se leyó (drift): {shown}',
            {'reason': 'drift', 'drift': drifted, 'before': before},
        )
    if before is None and create is None:
        raise ValueError(f'{entity}: converge without create found no current state')
    if check is not None:
        check(before, changes)
        # a check may complete the desired state (e.g. the subscription a license unit is taken from)
        changes = details['diff'] = diff(before or {}, desired)

    def apply() -> str | None:
        return create() if before is None and create is not None else write(changes)

    # what a high-impact change shows when it asks for confirmation (None: no confirmation for this change)
    what = (entity if confirm_if is None else confirm_if(before, changes)) if ctx.high_impact else None
    if ctx.dry_run:
        step = apply()
        details['calls'] = [c.as_dict() for c in ctx.planned]
        message = f'{entity}: {step or "cambiaría " + ", ".join(changes)}'
        if what and not ctx.assume_yes:
            details['needs_confirmation'] = what
            message += ' (alto impacto: la ejecución real pedirá --yes)'
        return Outcome('dry_run', message, details)
    if ctx.high_impact:
        if what:
            current_values = {key: (before or {}).get(key) for key in changes}
            ctx.confirm(what, current_values, {key: change['after'] for key, change in changes.items()})
    # what this write changes, recorded before it is sent: a run killed before its answer can still be reverted
    ctx.log.event('change', {'entity': entity, 'before': before, 'desired': dict(desired)})
    step = apply()
    after = read()
    remaining = diff(after or {}, desired)
    details.update(after=after, calls=[c.as_dict() for c in ctx.planned], verified=not remaining)
    if remaining:
        return Outcome('error', f'{entity}: la verificación falla en {", ".join(remaining)}', details)
    done = f'{step} (verificado)' if step else f'actualizado {", ".join(changes)}'
    return Outcome('executed', f'{entity}: {done}', details)
