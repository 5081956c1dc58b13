"""The intercom number as the LLD and the v21 scripts mean it: a secondary (alternate, non-primary) number of a
person or workspace, taken from its location's inventory (v21 ``usuarios_anadir_intercom_legacy``,
``workspaces_anadir_intercom_legacy``). Shared by the person and workspace actions: the CSV parameters, the state
(is the number one of the holder's alternates) and the one write.

Reads through wxc_sdk (``person_settings.numbers.read``: ``GET /people/{id}/features/numbers``;
``workspace_settings.numbers.read``: ``GET /workspaces/{id}/features/numbers``). The write is sent raw: the spec's
body for ``PUT /telephony/config/people/{id}/numbers`` and ``.../workspaces/{id}/numbers`` names the number
``directNumber`` (schema ``PhoneNumber``), while wxc_sdk 1.41's ``UpdatePersonPhoneNumber`` sends ``external``.
"""

from __future__ import annotations

from typing import Any

from transformacion.core.context import Context, PlannedCall, converge
from transformacion.core.outcome import Outcome, Rejected
from transformacion.core.params import BOOL, E164, Param
from transformacion.domain.numbers import check_number

PARAMS: tuple[Param, ...] = (
    Param(
        'intercom_number',
        E164,
        required=True,
        help='número de intercom: número secundario (no principal) E.164 del inventario de la ubicación; admite '
        'plantilla sobre la fila (+3451{extension[1:]})',
        depends_on='anadir_numeraciones_ubicacion',
        template=True,
    ),
    Param(
        'intercom_number_remove',
        BOOL,
        default=False,
        help='true: quita ese número secundario (vuelve libre al inventario); por defecto se añade',
    ),
)


def numbers_of(settings: Any) -> tuple[str | None, list[str]]:
    """``(primary number, alternate numbers)`` of a ``PersonNumbers`` or ``WorkspaceNumbers`` read."""
    primary, alternates = None, []
    for entry in settings.phone_numbers or []:
        number = getattr(entry, 'direct_number', None) or getattr(entry, 'external', None)
        if not number:
            continue
        if entry.primary:
            primary = number
        else:
            alternates.append(number)
    return primary, alternates


def configure(
    api: Any,
    ctx: Context,
    params: dict[str, Any],
    *,
    read_numbers: Any,
    holder_id: str,
    location_id: str,
    path: str,
    who: str,
) -> Outcome:
    """Read the holder's numbers -> add or remove ``intercom_number`` as an alternate -> verify.

    ``read_numbers(holder_id)`` reads the numbers (wxc_sdk); ``path`` is the PUT endpoint below ``/v1``; ``who`` names
    the holder in messages. Rejected when the number is the holder's primary one, or (to add) is not a free number of
    the holder's location (:func:`domain.numbers.check_number`).
    """
    number = params['intercom_number']
    remove = bool(params.get('intercom_number_remove'))
    found: dict[str, Any] = {}

    def read() -> dict[str, Any]:
        primary, alternates = numbers_of(ctx.call(read_numbers, holder_id))
        found.update(primary=primary, alternates=alternates)
        return {'intercom_number': number if number in alternates else None}

    def check(before: dict[str, Any] | None, changes: dict[str, Any]) -> None:
        if found.get('primary') == number:
            raise Rejected(f'intercom_number={number}: es el número principal de {who}, no puede ser el secundario')
        if not remove:
            location = f'la ubicación de {who}'
            check_number(api, ctx, number, location_id, location, holder_id, field='intercom_number')

    def write(changes: dict[str, Any]) -> str:
        action = 'DELETE' if remove else 'ADD'
        body = {'phoneNumbers': [{'primary': False, 'action': action, 'directNumber': number}]}
        params_ = {'orgId': ctx.org_id} if ctx.org_id else None
        url = api.session.ep(path.lstrip('/'))
        ctx.write(PlannedCall('PUT', path, body), api.session.rest_put, url, json=body, params=params_)
        return f'{"quitar" if remove else "añadir"} el número secundario {number}'

    desired = {'intercom_number': None if remove else number}
    outcome = converge(ctx, entity=f'número de intercom de {who}', read=read, desired=desired, write=write, check=check)
    outcome.details['alternates'] = found.get('alternates', [])
    return outcome
