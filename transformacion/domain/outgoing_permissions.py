"""Outgoing calling permissions shared by locations, people and workspaces (one wxc_sdk class serves all three:
``OutgoingPermissionsApi``): the CSV/CLI format, the declaration pieces and the read -> diff -> confirm -> write
-> verify logic.

Format of ``outgoing_permissions`` (one cell, easy to type in a spreadsheet)::

    INTERNATIONAL:BLOCK, PREMIUM_SERVICES_I:BLOCK:notransfer, NATIONAL:ALLOW:transfer

- Entries separated by ``,`` ``;`` ``|`` or line breaks; the parts of an entry by ``:`` or ``=``; case-insensitive;
  ``-`` or blanks may replace ``_`` and ``1``/``2`` may replace ``I``/``II`` (``special-services-2``).
- ``CALL_TYPE:ACTION[:TRANSFER]``. Call types: INTERNAL_CALL, LOCAL, TOLL_FREE, TOLL, NATIONAL, INTERNATIONAL,
  OPERATOR_ASSISTED, CHARGEABLE_DIRECTORY_ASSISTED, SPECIAL_SERVICES_I, SPECIAL_SERVICES_II, PREMIUM_SERVICES_I,
  PREMIUM_SERVICES_II (wxc_sdk ``OutgoingPermissionCallType``; Webex no longer offers LOCAL and TOLL in most orgs:
  a call type the entity does not report is rejected before any write). Actions: ALLOW, BLOCK, AUTH_CODE,
  TRANSFER_NUMBER_1, TRANSFER_NUMBER_2, TRANSFER_NUMBER_3.
- TRANSFER (optional): ``transfer`` allows transferring/forwarding calls of that type, ``notransfer`` forbids it
  (also true/false, si/no); when absent the current value is kept.
- Only the listed call types change; the others keep their current value. A call type listed twice, an unknown
  call type, action or transfer flag rejects the whole value naming the entry.

People and workspaces also take ``use_location_permissions``: true = custom permissions off, the entity follows
its location's permissions; false (or a permission list) = custom permissions on. When an entity that follows its
location gets custom permissions, the call types not listed start from the location's current values, so what the
entity may dial only changes where the operator asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from transformacion.core.context import Context, PlannedCall, converge
from transformacion.core.outcome import Outcome, Rejected
from transformacion.core.params import BOOL, Param, ParamType, asks_one_of, exclusive, forbidden_if
from transformacion.core.retry import rejected_on_404

#: The call types of wxc_sdk's ``OutgoingPermissionCallType`` (a unit test keeps them in sync).
CALL_TYPES = (
    'INTERNAL_CALL',
    'LOCAL',
    'TOLL_FREE',
    'TOLL',
    'NATIONAL',
    'INTERNATIONAL',
    'OPERATOR_ASSISTED',
    'CHARGEABLE_DIRECTORY_ASSISTED',
    'SPECIAL_SERVICES_I',
    'SPECIAL_SERVICES_II',
    'PREMIUM_SERVICES_I',
    'PREMIUM_SERVICES_II',
)
#: The actions of wxc_sdk's ``permissions_out.Action``.
ACTIONS = ('ALLOW', 'BLOCK', 'AUTH_CODE', 'TRANSFER_NUMBER_1', 'TRANSFER_NUMBER_2', 'TRANSFER_NUMBER_3')
AREA = 'permisos_salientes'
USE_CUSTOM_ENABLED = 'use_custom_enabled'
USE_CUSTOM_PERMISSIONS = 'use_custom_permissions'

_ENTRY_SPLIT = re.compile(r'[,;|\n]+')
_PART_SPLIT = re.compile(r'\s*[:=]\s*')
_TRANSFER_ON = {'transfer', 'transferir', 'contransfer'}
_TRANSFER_OFF = {'notransfer', 'sintransfer', 'notransferir', 'sintransferir'}


def _name(token: str) -> str:
    """``premium-services 2`` -> ``PREMIUM_SERVICES_II``."""
    name = re.sub(r'[\s-]+', '_', token.strip()).upper()
    return re.sub(r'_(1|2)$', lambda m: '_' + 'I' * int(m.group(1)), name)


def _transfer(token: str, entry: str) -> bool:
    flag = re.sub(r'[\s_-]+', '', token.lower())
    if flag in _TRANSFER_ON:
        return True
    if flag in _TRANSFER_OFF:
        return False
    try:
        return BOOL.coerce(token)
    except ValueError:
        raise ValueError(
            f'indicador de transferencia desconocido {token!r} en {entry!r}; use transfer o notransfer'
        ) from None


def parse_permissions(value: str) -> dict[str, dict[str, Any]]:
    """``'INTERNATIONAL:BLOCK, NATIONAL:ALLOW:transfer'`` -> ``{call type: {action, transfer_enabled (None = keep)}}``.

    Raises ValueError naming the offending entry (unknown call type, action or flag; repeated call type).
    """
    permissions: dict[str, dict[str, Any]] = {}
    for raw in _ENTRY_SPLIT.split(value):
        entry = raw.strip()
        if not entry:
            continue
        parts = _PART_SPLIT.split(entry)
        if len(parts) not in (2, 3):
            raise ValueError(f'entrada {entry!r} mal formada; se esperaba TIPO:ACCIÓN o TIPO:ACCIÓN:transfer')
        call_type, action = _name(parts[0]), _name(parts[1])
        if call_type not in CALL_TYPES:
            raise ValueError(f'tipo de llamada desconocido {parts[0]!r} en {entry!r}; tipos: {", ".join(CALL_TYPES)}')
        if action not in ACTIONS:
            raise ValueError(f'acción desconocida {parts[1]!r} en {entry!r}; acciones: {", ".join(ACTIONS)}')
        if call_type in permissions:
            raise ValueError(f'el tipo de llamada {call_type} aparece más de una vez (en {entry!r})')
        transfer = _transfer(parts[2], entry) if len(parts) == 3 else None
        permissions[call_type] = {'action': action, 'transfer_enabled': transfer}
    if not permissions:
        raise ValueError('no hay ninguna entrada TIPO:ACCIÓN')
    return permissions


OUTGOING_PERMISSIONS = ParamType(
    'permisos',
    parse_permissions,
    "TIPO:ACCIÓN[:transfer|notransfer] separados por ',' ';' o '|', p. ej. "
    "'INTERNATIONAL:BLOCK, PREMIUM_SERVICES_I:BLOCK, NATIONAL:ALLOW:transfer'",
)

PERMISSIONS_HELP = (
    'permisos por tipo de llamada; solo cambian los tipos indicados, el resto conserva su valor. Tipos: '
    + ', '.join(CALL_TYPES)
    + '. Acciones: '
    + ', '.join(ACTIONS)
    + '. Sin transfer/notransfer se conserva el permiso actual de transferir o desviar ese tipo'
)


def permissions_param(*, required: bool) -> Param:
    """The ``outgoing_permissions`` parameter (CSV column ``outgoing_permissions``)."""
    return Param('outgoing_permissions', OUTGOING_PERMISSIONS, required=required, help=PERMISSIONS_HELP)


USE_LOCATION_PARAM = Param(
    'use_location_permissions',
    BOOL,
    help='true: sin permisos propios, sigue los de su ubicación (no se combina con outgoing_permissions); '
    'false: permisos propios (partiendo de los de la ubicación si hoy la sigue)',
)


def _profile_param() -> Param:
    from transformacion.domain.permission_profiles import PERMISSION_PROFILE

    return Param(
        'outgoing_permissions_profile',
        PERMISSION_PROFILE,
        help='perfil con nombre: fichero JSON o YAML (ruta desde la carpeta de trabajo) con todo_permitido_salvo '
        '(todos los tipos ALLOW salvo los indicados) o permisos (solo cambian los indicados); también los perfiles '
        'de v21 (location_profile.json, workspace_profile.json)',
    )


#: the ``outgoing_permissions_profile`` parameter (see ``domain/permission_profiles``)
PROFILE_PARAM = _profile_param()
_ONE_SOURCE = exclusive(
    'outgoing_permissions',
    'outgoing_permissions_profile',
    why='la lista y el perfil dicen los dos qué permisos aplicar: use uno',
)

#: the rules of the location action: a list or a profile, not both
LOCATION_RULES = (asks_one_of('outgoing_permissions', 'outgoing_permissions_profile'), _ONE_SOURCE)

#: the rules of the person and workspace actions: something to configure, and following the location's permissions
#: excludes a list (or a profile) of one's own
ENTITY_RULES = (
    asks_one_of('outgoing_permissions', 'outgoing_permissions_profile', 'use_location_permissions'),
    forbidden_if(
        'use_location_permissions',
        True,
        'outgoing_permissions',
        'outgoing_permissions_profile',
        why='seguir los permisos de la ubicación excluye permisos propios',
    ),
    _ONE_SOURCE,
)


# --------------------------------------------------------------------------- state: flat dicts that diff() compares


def _wire_value(value: Any) -> Any:
    return getattr(value, 'value', value)


def flat_state(settings: Any, *, with_flags: bool) -> dict[str, Any]:
    """An ``OutgoingPermissions`` model as ``{use_custom_*: bool, CALL_TYPE: {action, transfer_enabled}}``."""
    state: dict[str, Any] = {}
    if with_flags:
        state[USE_CUSTOM_ENABLED] = bool(settings.use_custom_enabled)
        state[USE_CUSTOM_PERMISSIONS] = bool(settings.use_custom_permissions)
    if settings.calling_permissions is not None:
        for call_type, permission in settings.calling_permissions.permissions_dict().items():
            if permission is not None:
                state[call_type.upper()] = {
                    'action': _wire_value(permission.action),
                    'transfer_enabled': permission.transfer_enabled,
                }
    return state


def restricted_types(settings: Any) -> set[str]:
    """Call types whose restriction Webex enforces (``isCallTypeRestrictionEnabled``): they cannot be changed."""
    if settings.calling_permissions is None:
        return set()
    return {
        call_type.upper()
        for call_type, permission in settings.calling_permissions.permissions_dict().items()
        if permission is not None and permission.is_call_type_restriction_enabled
    }


def _apply(base: dict[str, Any], requested: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``base`` call types with the requested ones changed (a transfer flag of None keeps the base value)."""
    desired = {}
    for call_type, wanted in requested.items():
        current = base[call_type]
        transfer = wanted['transfer_enabled']
        desired[call_type] = {
            'action': wanted['action'],
            'transfer_enabled': current['transfer_enabled'] if transfer is None else transfer,
        }
    return desired


def settings_body(changes: dict[str, Any]) -> Any:
    """The ``OutgoingPermissions`` to PUT for ``changes`` (``{field: after}``): flags and changed call types only."""
    from wxc_sdk.person_settings.permissions_out import CallingPermissions, CallTypePermission, OutgoingPermissions

    types = {
        call_type.lower(): CallTypePermission(action=value['action'], transfer_enabled=value['transfer_enabled'])
        for call_type, value in changes.items()
        if call_type in CALL_TYPES
    }
    return OutgoingPermissions(
        use_custom_enabled=changes.get(USE_CUSTOM_ENABLED),
        use_custom_permissions=changes.get(USE_CUSTOM_PERMISSIONS),
        calling_permissions=CallingPermissions(**types) if types else None,
    )


def endpoint_path(api: Any, endpoint: Any, entity_id: str) -> str:
    """The path below the API base of ``endpoint``'s URL for ``entity_id`` (as this wxc_sdk version builds it)."""
    return endpoint.f_ep(entity_id).removeprefix(api.session.BASE)


def read_settings(ctx: Context, endpoint: Any, entity_id: str, not_found: str) -> Any:
    """``endpoint.read(entity_id)``; a 404 becomes Rejected(``not_found``)."""
    return rejected_on_404(not_found, ctx.call, endpoint.read, entity_id, org_id=ctx.org_id)


def configure_permissions(
    api: Any,
    ctx: Context,
    *,
    entity: str,
    endpoint: Any,
    entity_id: str,
    params: dict[str, Any],
    not_found: str,
    location_settings: Callable[[], Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Outcome:
    """Converge the outgoing permissions of one entity (its action is declared high-impact: converge confirms before
    writing). The parameters were checked by the action's rules (:data:`ENTITY_RULES`).

    ``location_settings`` (people and workspaces) reads the permissions of the entity's location; it is called only
    when the entity follows its location today and is about to get custom permissions. Without it the entity is a
    location: call types only, no ``use_custom_*`` flags. ``extra`` goes into the details of the outcome (or of the
    refusal), e.g. a precheck report.
    """
    flags = location_settings is not None
    profile = params.get('outgoing_permissions_profile')
    requested: dict[str, dict[str, Any]] = dict(params.get('outgoing_permissions') or {})
    if profile:
        requested = dict(profile['permissions'])
    use_location = bool(params.get('use_location_permissions')) and flags

    details: dict[str, Any] = {**(extra or {}), 'entity_id': entity_id}
    if profile:
        details['profile'] = {
            'name': profile['name'],
            'file': profile['file'],
            'allow_all_except': bool(profile['rest']),
        }
    settings = read_settings(ctx, endpoint, entity_id, not_found)
    current = flat_state(settings, with_flags=flags)
    restricted = restricted_types(settings)
    offered = [key for key in current if key in CALL_TYPES]
    if profile and profile['rest']:  # "allow all except": every other call type the entity offers is allowed
        requested.update({t: profile['rest'] for t in offered if t not in requested and t not in restricted})
    missing = [call_type for call_type in requested if call_type not in offered]
    if missing:
        raise Rejected(
            f'{entity}: Webex no ofrece aquí el tipo de llamada {", ".join(missing)}; tipos: {", ".join(offered)}',
            {**details, 'current': current},
        )
    changed = _apply(current, requested)
    locked = sorted(t for t in restricted & set(requested) if changed[t] != current[t])
    if locked:
        raise Rejected(
            f'{entity}: Webex impone la restricción de {", ".join(locked)} y no se puede cambiar',
            {**details, 'current': current},
        )

    if use_location:
        desired: dict[str, Any] = {USE_CUSTOM_ENABLED: False}
    else:
        base = {key: current[key] for key in offered}
        if flags and not current[USE_CUSTOM_ENABLED]:
            inherited = flat_state(location_settings(), with_flags=False)
            details['location_permissions'] = inherited
            base.update({key: value for key, value in inherited.items() if key in base and key not in restricted})
        desired = {**base, **_apply(base, requested)}
        if flags:
            desired.update({USE_CUSTOM_ENABLED: True, USE_CUSTOM_PERMISSIONS: True})
    path = endpoint_path(api, endpoint, entity_id)

    def write(changes: dict[str, Any]) -> None:
        after = {key: change['after'] for key, change in changes.items()}
        if flags and not use_location:
            after.update({USE_CUSTOM_ENABLED: True, USE_CUSTOM_PERMISSIONS: True})
        body = settings_body(after)
        wire = json.loads(body.model_dump_json())
        ctx.write(PlannedCall('PUT', path, wire), endpoint.configure, entity_id, body, org_id=ctx.org_id)

    def read() -> dict[str, Any]:
        return flat_state(read_settings(ctx, endpoint, entity_id, not_found), with_flags=flags)

    try:
        outcome = converge(ctx, entity=entity, read=read, desired=desired, write=write, current=current)
    except Rejected as exc:
        exc.details = {**details, **exc.details}
        raise
    outcome.details = {**details, **outcome.details}
    return outcome
