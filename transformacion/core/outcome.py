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


#: How the operator confirms high-impact changes, in the words of each surface: the command line's option, the
#: web panel's box (its plan and schedule screens, ``panel/templates/index.html``). ``Context.confirm_with`` and
#: ``batch.options.Settings.confirm_with`` carry the one of the run.
CONFIRM_CLI = '--yes'
CONFIRM_PANEL = '«Confirmo los cambios de alto impacto»'
#: ``Rejected.details['reason']`` of a high-impact change refused for lack of confirmation.
UNCONFIRMED = 'unconfirmed'


def confirm_step(confirm_with: str = CONFIRM_CLI, verb: str = 'relance') -> str:
    """What the operator does to confirm, in the words of the surface: ``relance con --yes`` on the command line,
    ``relance marcando «Confirmo los cambios de alto impacto»`` in the panel (``verb``: relance, repita)."""
    return f'{verb} con {confirm_with}' if confirm_with.startswith('--') else f'{verb} marcando {confirm_with}'


def needs_confirmation(action: str, what: str, confirm_with: str = CONFIRM_CLI) -> str:
    """The one wording of a row refused whole before its first write because ``action`` will ask to confirm
    ``what`` (a batch cannot ask): the launcher's rows and a plan's or revert's pairs alike. What to do comes before
    ``what`` (an entity's name can be long; a checkpoint message is cut at 300 characters)."""
    return (
        f'no se aplica ninguna acción de la fila, para no dejarla a medias: {action} necesita confirmación, '
        f'{confirm_step(confirm_with)} ({what})'
    )
