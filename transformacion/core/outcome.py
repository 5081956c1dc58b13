"""Outcomes of an action: the five statuses and their exit codes, refusals with where the bad value came from, and
the one result object every run prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transformacion.core.secrets import sanitise

STATUSES = ('executed', 'dry_run', 'skipped', 'rejected', 'error')
EXIT_CODES = {'executed': 0, 'dry_run': 0, 'skipped': 0, 'rejected': 2, 'error': 1}


class Rejected(Exception):
    """Input or state that makes the action refuse to run; nothing was written."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


@dataclass(frozen=True)
class Problem:
    """One invalid value: where it came from and what was expected."""

    file: str
    row: int | None
    column: str
    value: str
    why: str

    def __str__(self) -> str:
        where = f'{self.file}, fila {self.row}' if self.row is not None else self.file
        return f'{where}, columna {self.column}: valor {self.value!r}: {self.why}'


class InvalidParams(Rejected):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            f'{len(problems)} parámetro(s) no válido(s): ' + '; '.join(str(p) for p in problems),
            {'problems': [p.__dict__ for p in problems]},
        )
        self.problems = problems


@dataclass
class Outcome:
    """What a domain function returns: a status, a one-line message and the details (diff, calls, verification)."""

    status: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def result_object(
    script_name: str, status: str, invocation: dict[str, Any], result: dict[str, Any], summary: dict[str, Any]
) -> dict[str, Any]:
    """The one JSON object every run prints on stdout (a documented, stable contract)."""
    if status not in STATUSES:
        raise ValueError(status)
    return {
        'script_name': script_name,
        'status': status,
        'invocation': sanitise(invocation),
        'result': sanitise(result),
        'summary': sanitise(summary),
    }
