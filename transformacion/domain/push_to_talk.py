"""Webex Calling Push-to-Talk (what the actions called "intercom" before issue 20) shared by the person and
workspace actions: the CSV parameters, member
resolution (e-mail or id, once per run), the diff (members as a set) and the write of the changed fields only.
"""

from __future__ import annotations

from typing import Any

from transformacion.core.context import Context, PlannedCall, converge
from transformacion.core.outcome import Outcome, Rejected
from transformacion.core.params import (
    BOOL,
    EMAIL,
    ENUM,
    WEBEX_ID,
    Param,
    ParamType,
    asks_one_of,
    decode_webex_id,
    split_list,
)
from transformacion.core.retry import rejected_on_404
from transformacion.domain import resolve

CONNECTION_TYPES = ('ONE_WAY', 'TWO_WAY')
ACCESS_TYPES = ('ALLOW_MEMBERS', 'BLOCK_MEMBERS')
NO_MEMBERS = ('ninguno', 'none', 'off', '-')

#: state field -> the ``PushToTalkSettings`` attribute it maps to
_FIELDS = {
    'connection_type': 'connection_type',
    'auto_answer': 'allow_auto_answer',
    'access_type': 'access_type',
    'members': 'members',
}


def _member_list(value: str) -> list[str]:
    if value.strip().lower() in NO_MEMBERS:
        return []
    members = []
    for item in split_list(value):
        try:
            members.append(EMAIL.coerce(item) if '@' in item else WEBEX_ID.coerce(item))
        except ValueError:
            raise ValueError(
                f'miembro {item!r}: se esperaba un correo o un id de Webex de persona o workspace '
                f"(separados por ';'); 'ninguno' vacía la lista"
            ) from None
    return list(dict.fromkeys(members))


MEMBER_LIST = ParamType(
    'member_list',
    _member_list,
    "correos o ids de Webex separados por ';'; sustituye la lista actual; 'ninguno' la vacía; vacío no la cambia",
)

PARAMS: tuple[Param, ...] = (
    Param(
        'push_to_talk_connection_type',
        ENUM,
        choices=CONNECTION_TYPES,
        help='ONE_WAY: quien llama habla y el destino solo escucha; TWO_WAY: conversación en ambos sentidos',
    ),
    Param('push_to_talk_auto_answer', BOOL, help='contestar automáticamente las llamadas de Push-to-Talk'),
    Param(
        'push_to_talk_access_type',
        ENUM,
        choices=ACCESS_TYPES,
        help='ALLOW_MEMBERS: solo los miembros pueden llamar por Push-to-Talk; BLOCK_MEMBERS: todos salvo los miembros',
    ),
    Param(
        'push_to_talk_members',
        MEMBER_LIST,
        help='miembros de la lista de Push-to-Talk (personas por correo o id; workspaces por id)',
        depends_on='alta_usuario',
    ),
)


#: the rule of every Push-to-Talk action: at least one push_to_talk_* column says what to change (an empty member
#: list, given as 'ninguno', counts: it clears the list)
ASKS = asks_one_of(*(param.name for param in PARAMS))


def resolve_members(api: Any, ctx: Context, members: list[str]) -> dict[str, str]:
    """Member id -> how the operator named it; people by e-mail or id, workspaces by id (each resolved once per run)."""
    resolved: dict[str, str] = {}
    for member in members:
        uri = decode_webex_id(member) or ''
        if '/PLACE/' in uri:
            member_id = resolve.workspace_id(api, ctx, member)
        else:
            member_id = resolve.person_id(api, ctx, member)
        resolved.setdefault(member_id, member)
    return resolved


def _value(value: Any) -> Any:
    return getattr(value, 'value', value)


def current_state(settings: Any) -> dict[str, Any]:
    """``PushToTalkSettings`` as flat fields; members as a sorted list of ids (compared as a set)."""
    return {
        'connection_type': _value(settings.connection_type),
        'auto_answer': settings.allow_auto_answer,
        'access_type': _value(settings.access_type),
        'members': sorted(member.member_id for member in settings.members or []),
    }


def _label(member: Any) -> str:
    return member.email or member.display_name or member.member_id


def configure(
    api: Any,
    ctx: Context,
    params: dict[str, Any],
    *,
    settings_api: Any,
    entity_id: str,
    path: str,
    who: str,
) -> Outcome:
    """Resolve the members, then read -> diff -> write the changed fields -> verify, for one person or workspace.

    ``settings_api`` is ``api.person_settings.push_to_talk`` or ``api.workspace_settings.push_to_talk``; ``path``
    the endpoint as the SDK calls it (for the planned call); ``who`` names the entity in messages.
    """
    from wxc_sdk.person_settings.push_to_talk import PushToTalkSettings

    desired: dict[str, Any] = {}
    if params.get('push_to_talk_connection_type') is not None:
        desired['connection_type'] = params['push_to_talk_connection_type']
    if params.get('push_to_talk_auto_answer') is not None:
        desired['auto_answer'] = params['push_to_talk_auto_answer']
    if params.get('push_to_talk_access_type') is not None:
        desired['access_type'] = params['push_to_talk_access_type']
    labels: dict[str, str] = {}
    if params.get('push_to_talk_members') is not None:
        labels = resolve_members(api, ctx, params['push_to_talk_members'])
        if entity_id in labels:
            raise Rejected(f'push_to_talk_members={labels[entity_id]!r}: {who} no puede ser miembro de su propia lista')
        desired['members'] = sorted(labels)

    def read() -> dict[str, Any]:
        missing = f'{who} no existe o no tiene Webex Calling (sin Push-to-Talk que configurar)'
        settings = rejected_on_404(missing, ctx.call, settings_api.read, entity_id, org_id=ctx.org_id)
        labels.update({m.member_id: _label(m) for m in settings.members or [] if m.member_id not in labels})
        return current_state(settings)

    def write(changes: dict[str, Any]) -> None:
        settings = PushToTalkSettings(**{_FIELDS[key]: change['after'] for key, change in changes.items()})
        body = settings.model_dump(mode='json', by_alias=True, exclude_unset=True)
        ctx.write(PlannedCall('PUT', path, body), settings_api.configure, entity_id, settings, org_id=ctx.org_id)

    outcome = converge(ctx, entity=f'Push-to-Talk de {who}', read=read, desired=desired, write=write)
    members = outcome.details.get('diff', {}).get('members')
    if members:
        before, after = set(members['before']), set(members['after'])
        outcome.details['members_added'] = sorted(labels[m] for m in after - before)
        outcome.details['members_removed'] = sorted(labels[m] for m in before - after)
    return outcome
