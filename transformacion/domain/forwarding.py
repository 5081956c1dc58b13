"""Call forwarding (desvío) shared by the person and workspace actions: the CSV parameters, the desired state,
the diff against what Webex has and the write of the changed sections only.

Four kinds of forwarding (always, busy, no answer, business continuity), each with enabled, destination and
"send to the destination's voicemail"; always adds the ring reminder and no answer the number of rings.
"""

from __future__ import annotations

import re
from typing import Any

from transformacion.core.context import Context, PlannedCall, converge
from transformacion.core.outcome import Outcome, Rejected
from transformacion.core.params import BOOL, E164, Param, ParamType, asks_one_of
from transformacion.core.retry import rejected_on_404

OFF = 'off'
OFF_WORDS = ('off', 'no', 'false', 'desactivar', 'desactivado')
MIN_RINGS = 2
MAX_RINGS = 20

#: forwarding kind (as in the parameter names ``forward_<kind>``) -> its Spanish name for the help
KINDS = {
    'always': 'siempre',
    'busy': 'si está ocupado',
    'no_answer': 'si no contesta',
    'business_continuity': 'continuidad de negocio (teléfono sin conexión)',
}


def _forward_target(value: str) -> str:
    text = value.strip()
    if text.lower() in OFF_WORDS:
        return OFF
    if re.fullmatch(r'\d{2,10}', text):
        return text
    if text.startswith(('+', '(')) or re.fullmatch(r'[\d\s.()-]{11,}', text):
        return E164.coerce(text)
    raise ValueError(
        "se esperaba un destino (número E.164 como +34910000100 o extensión de 2 a 10 dígitos) u 'off' para desactivar"
    )


def _rings(value: str) -> int:
    try:
        rings = int(value.strip())
    except ValueError:
        raise ValueError('se esperaba un número entero de tonos') from None
    if not MIN_RINGS <= rings <= MAX_RINGS:
        raise ValueError(f'el número de tonos debe estar entre {MIN_RINGS} y {MAX_RINGS}')
    return rings


FORWARD_TARGET = ParamType(
    'forward_target',
    _forward_target,
    "destino E.164 (+34910000100) o extensión (2-10 dígitos); 'off' desactiva; vacío no cambia nada",
)
RINGS = ParamType('rings', _rings, f'número de tonos, de {MIN_RINGS} a {MAX_RINGS}')


def _destination(kind: str) -> Param:
    return Param(
        f'forward_{kind}',
        FORWARD_TARGET,
        help=f'desvío {KINDS[kind]}: destino, u off para desactivarlo; admite plantilla de la fila (53{{extension}})',
        template=True,
    )


def _voicemail(kind: str) -> Param:
    return Param(
        f'forward_{kind}_voicemail',
        BOOL,
        help=f'desvío {KINDS[kind]}: enviar al buzón de voz del destino (si es interno y tiene buzón)',
    )


PARAMS: tuple[Param, ...] = (
    _destination('always'),
    _voicemail('always'),
    Param(
        'forward_always_ring_reminder', BOOL, help='desvío siempre: tono breve en el teléfono al desviar una llamada'
    ),
    _destination('busy'),
    _voicemail('busy'),
    _destination('no_answer'),
    _voicemail('no_answer'),
    Param('forward_no_answer_rings', RINGS, help='desvío si no contesta: tonos antes de desviar'),
    _destination('business_continuity'),
    _voicemail('business_continuity'),
)

#: the rule of every forwarding action: at least one forward_* column says what to change
ASKS = asks_one_of(*(param.name for param in PARAMS))


def desired_state(params: dict[str, Any]) -> dict[str, Any]:
    """The fields the parameters ask for, in the flat form of :func:`current_state`; empty when nothing was asked."""
    desired: dict[str, Any] = {}
    for kind in KINDS:
        target = params.get(f'forward_{kind}')
        if target == OFF:
            desired[f'{kind}_enabled'] = False
        elif target:
            desired[f'{kind}_enabled'] = True
            desired[f'{kind}_destination'] = target
        if params.get(f'forward_{kind}_voicemail') is not None:
            desired[f'{kind}_voicemail'] = params[f'forward_{kind}_voicemail']
    if params.get('forward_always_ring_reminder') is not None:
        desired['always_ring_reminder'] = params['forward_always_ring_reminder']
    if params.get('forward_no_answer_rings') is not None:
        desired['no_answer_rings'] = params['forward_no_answer_rings']
    return desired


def _sections(setting: Any) -> dict[str, Any]:
    forwarding = setting.call_forwarding
    return {
        'always': forwarding.always,
        'busy': forwarding.busy,
        'no_answer': forwarding.no_answer,
        'business_continuity': setting.business_continuity,
    }


def current_state(setting: Any) -> dict[str, Any]:
    """A ``PersonForwardingSetting`` as flat fields: ``<kind>_enabled``, ``<kind>_destination``, ``<kind>_voicemail``,
    ``always_ring_reminder`` and ``no_answer_rings``."""
    state: dict[str, Any] = {}
    for kind, section in _sections(setting).items():
        state[f'{kind}_enabled'] = section.enabled
        state[f'{kind}_destination'] = section.destination or None
        state[f'{kind}_voicemail'] = bool(section.destination_voicemail_enabled)
    state['always_ring_reminder'] = setting.call_forwarding.always.ring_reminder_enabled
    state['no_answer_rings'] = setting.call_forwarding.no_answer.number_of_rings
    return state


def update_model(current: dict[str, Any], desired: dict[str, Any], changes: dict[str, Any]) -> Any:
    """The ``PersonForwardingSetting`` to send: only the kinds with a change, each section complete."""
    from wxc_sdk.person_settings.forwarding import (
        CallForwardingAlways,
        CallForwardingCommon,
        CallForwardingNoAnswer,
        CallForwardingPerson,
        PersonForwardingSetting,
    )

    merged = {**current, **desired}
    sections: dict[str, Any] = {}
    for kind in KINDS:
        if not any(key.startswith(f'{kind}_') for key in changes):
            continue
        fields: dict[str, Any] = {
            'enabled': merged[f'{kind}_enabled'],
            'destination_voicemail_enabled': merged[f'{kind}_voicemail'],
        }
        if merged[f'{kind}_destination'] is not None:
            fields['destination'] = merged[f'{kind}_destination']
        if kind == 'always':
            sections[kind] = CallForwardingAlways(**fields, ring_reminder_enabled=merged['always_ring_reminder'])
        elif kind == 'no_answer':
            sections[kind] = CallForwardingNoAnswer(**fields, number_of_rings=merged['no_answer_rings'])
        else:
            sections[kind] = CallForwardingCommon(**fields)
    top: dict[str, Any] = {}
    call_forwarding = {kind: section for kind, section in sections.items() if kind != 'business_continuity'}
    if call_forwarding:
        top['call_forwarding'] = CallForwardingPerson.model_construct(**call_forwarding)
    if 'business_continuity' in sections:
        top['business_continuity'] = sections['business_continuity']
    return PersonForwardingSetting.model_construct(**top)


def configure(
    ctx: Context,
    *,
    settings_api: Any,
    entity_id: str,
    path: str,
    who: str,
    desired: dict[str, Any],
) -> Outcome:
    """Read -> diff -> write the changed sections -> verify, for the forwarding of one person or workspace.

    ``settings_api`` is ``api.person_settings.forwarding`` or ``api.workspace_settings.forwarding``; ``path`` the
    endpoint as the SDK calls it (for the planned call); ``who`` names the entity in messages.
    """
    read_now: dict[str, Any] = {}

    def read() -> dict[str, Any]:
        missing = f'{who} no existe o no tiene Webex Calling (sin desvío que configurar)'
        setting = rejected_on_404(missing, ctx.call, settings_api.read, entity_id, org_id=ctx.org_id)
        read_now['state'] = current_state(setting)
        read_now['max_rings'] = setting.call_forwarding.no_answer.system_max_number_of_rings or MAX_RINGS
        return dict(read_now['state'])

    def check(before: dict[str, Any] | None, changes: dict[str, Any]) -> None:
        rings = desired.get('no_answer_rings')
        if rings is not None and rings > read_now['max_rings']:
            raise Rejected(
                f'forward_no_answer_rings={rings}: {who} admite como máximo {read_now["max_rings"]} tonos',
                {'max_rings': read_now['max_rings']},
            )

    def write(changes: dict[str, Any]) -> None:
        model = update_model(read_now['state'], desired, changes)
        ctx.write(PlannedCall('PUT', path, model.update()), settings_api.configure, entity_id, model, org_id=ctx.org_id)

    return converge(ctx, entity=f'desvío de {who}', read=read, desired=desired, write=write, check=check)
