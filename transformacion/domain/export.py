"""The current Webex Calling state of an organisation as launcher input: one row per location, person and workspace,
each column the value its ready action would read back, so that the launcher re-applying the export writes nothing.

``EXPORTERS`` says how each action's parameters are read; ``NOT_EXPORTED`` names the actions that are left out on
purpose, and why (every action of the catalogue is in one of the two). A value that cannot be exported faithfully is
left empty (empty = not applied) with a note saying why. ``--candidates`` lists instead the people and workspaces not
yet enabled for Webex Calling, keys filled, to be completed.

Calls (all GET): /locations, /telephony/config/locations(/{id}), /telephony/pstn/locations/{id}/connection and
/connectionOptions, /telephony/config/premisePstn/trunks and /routeGroups, /telephony/config/numbers,
/telephony/config/locations/{id}/internalDialing and /outgoingPermission, /licenses, /people?callingData=true,
the people's and workspaces' callingForwarding, pushToTalk and outgoingPermission, /workspaces,
/workspaces/{id}/features/numbers.
Scopes: spark-admin:locations_read, spark-admin:people_read, spark-admin:licenses_read, spark-admin:workspaces_read,
spark-admin:telephony_config_read, spark-admin:telephony_pstn_read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from transformacion.core.catalog import DATASETS, actions, key_columns, load_catalog
from transformacion.core.context import Context
from transformacion.core.evidence import logging_to
from transformacion.core.outcome import Rejected
from transformacion.core.params import MAX_RANGE, Action, decode_webex_id
from transformacion.core.retry import absent_on_404
from transformacion.domain import forwarding, intercom_number, outgoing_permissions, push_to_talk, resolve
from transformacion.domain.licenses import license_labels, user_calling_licenses
from transformacion.domain.locations import LOCAL_GATEWAY, location_state, read_connection
from transformacion.domain.numbers import read_inventory, work_number
from transformacion.domain.workspace import calling_type, primary_numbers

#: namespaces of the export's run-wide cache (``Context.cached``)
EXPORT_INVENTORY = 'export_inventory'
EXPORT_CALLING_LICENSES = 'export_user_calling_licenses'


class Unexportable(Exception):
    """The values of one action for one entity cannot be exported faithfully: its columns stay empty."""


#: Reads the current values of one action's parameters for one entity: ``(reader, entity) -> {parameter: value}``.
ExportFunction = Callable[['Reader', 'Entity'], dict[str, Any]]


@dataclass(frozen=True)
class Exporter:
    """How the current state of one action's parameters is read for one entity.

    ``read(reader, entity)`` returns ``{parameter: value}`` (None: not exportable; say why in ``reader.note``;
    ``{}``: nothing to export, the action does not apply to the entity) or raises Unexportable. ``params`` are the
    parameters it can fill; ``not_state`` the parameters that describe a change to make rather than a state to read
    back, left empty on purpose (parameter -> why).
    """

    read: ExportFunction
    params: tuple[str, ...]
    not_state: dict[str, str] = field(default_factory=dict)


@dataclass
class Entity:
    """One row to export: its key columns, a label for notes and the model(s) read from Webex."""

    keys: dict[str, str]
    label: str
    model: Any
    calling: Any = None


@dataclass
class Reader:
    """What the exporters share: the client, the reading context and the org-wide lookups, read once."""

    api: Any
    ctx: Context
    location_labels: dict[str, str] = field(default_factory=dict)
    license_labels: dict[str, str] = field(default_factory=dict)
    notes: list[dict[str, str]] = field(default_factory=list)

    def note(self, file: str, entity: str, columns: Iterable[str], why: str) -> None:
        self.notes.append({'file': file, 'entity': entity, 'columns': ', '.join(columns), 'why': why})


@dataclass
class Dataset:
    """One CSV to write: its columns and rows (``{column: text}``)."""

    file: str
    columns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- value formatting


def cell(value: Any) -> str:
    """A typed value as the text the parameter's coercion reads back."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def number_ranges(numbers: Iterable[str]) -> str:
    """E.164 numbers as the ``phone_numbers`` column writes them: runs of 3 or more consecutive numbers as
    ``start-end`` (at most MAX_RANGE each), the rest one by one, separated by ``,``."""
    ordered = sorted(set(numbers), key=lambda n: (len(n), int(n[1:])))
    runs: list[list[str]] = []
    for number in ordered:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and len(last) == len(number)
            and int(number[1:]) == int(last[1:]) + 1
            and len(runs[-1]) < MAX_RANGE
        ):
            runs[-1].append(number)
        else:
            runs.append([number])
    parts: list[str] = []
    for run in runs:
        parts.extend([f'{run[0]}-{run[-1]}'] if len(run) >= 3 else run)
    return ','.join(parts)


def _unique_labels(items: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """id -> name, or id -> id when the name is missing or shared (case-insensitive) by several items."""
    pairs = list(items)
    counts: dict[str, int] = {}
    for _, name in pairs:
        if name:
            counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    return {item_id: name if name and counts[name.casefold()] == 1 else item_id for item_id, name in pairs}


def _read_or_unexportable(ctx: Context, fn: Callable[..., Any], *args: Any, why: str, **kwargs: Any) -> Any:
    """``ctx.call(fn, ...)``; a 404 (the entity has no such setting) makes the action's columns unexportable."""
    found = absent_on_404(ctx.call, fn, *args, **kwargs)
    if found is None:
        raise Unexportable(why)
    return found


# --------------------------------------------------------------------------- shared settings (people and workspaces)


def _forwarding(reader: Reader, settings_api: Any, entity_id: str) -> dict[str, Any]:
    ctx = reader.ctx
    setting = _read_or_unexportable(
        ctx, settings_api.read, entity_id, org_id=ctx.org_id, why='sin desvío legible (404)'
    )
    state = forwarding.current_state(setting)
    values: dict[str, Any] = {}
    for kind in forwarding.KINDS:
        enabled, destination = state[f'{kind}_enabled'], state[f'{kind}_destination']
        if enabled is False:
            values[f'forward_{kind}'] = forwarding.OFF
        elif enabled and destination:
            values[f'forward_{kind}'] = destination
        else:
            values[f'forward_{kind}'] = None
        values[f'forward_{kind}_voicemail'] = state[f'{kind}_voicemail']
    values['forward_always_ring_reminder'] = state['always_ring_reminder']
    values['forward_no_answer_rings'] = state['no_answer_rings']
    return values


def _push_to_talk(reader: Reader, settings_api: Any, entity_id: str) -> dict[str, Any]:
    ctx = reader.ctx
    settings = _read_or_unexportable(
        ctx, settings_api.read, entity_id, org_id=ctx.org_id, why='sin Push-to-Talk legible (404)'
    )
    state = push_to_talk.current_state(settings)
    members: list[str] = []
    for member in settings.members or []:
        member_id = member if isinstance(member, str) else member.member_id
        email = None if isinstance(member, str) else member.email
        uri = decode_webex_id(member_id or '') or ''
        if '/PLACE/' in uri:
            members.append(member_id)
        elif '/PEOPLE/' in uri:
            members.append(email.lower() if email else member_id)
        else:
            raise Unexportable(
                f'el miembro de Push-to-Talk {member_id!r} no es una persona ni un workspace y no se puede indicar en '
                'push_to_talk_members'
            )
    return {
        'push_to_talk_connection_type': state['connection_type'],
        'push_to_talk_auto_answer': state['auto_answer'],
        'push_to_talk_access_type': state['access_type'],
        'push_to_talk_members': ', '.join(members) if members else push_to_talk.NO_MEMBERS[0],
    }


def _permission_entries(state: dict[str, Any]) -> str | None:
    entries = []
    for call_type in outgoing_permissions.CALL_TYPES:
        if call_type in state:
            transfer = state[call_type]['transfer_enabled']
            flag = '' if transfer is None else (':transfer' if transfer else ':notransfer')
            entries.append(f'{call_type}:{state[call_type]["action"]}{flag}')
    return ', '.join(entries) or None


def _permissions(reader: Reader, endpoint: Any, entity_id: str, *, with_flags: bool) -> dict[str, Any]:
    ctx = reader.ctx
    settings = _read_or_unexportable(
        ctx, endpoint.read, entity_id, org_id=ctx.org_id, why='sin permisos salientes legibles (404)'
    )
    state = outgoing_permissions.flat_state(settings, with_flags=with_flags)
    if with_flags:
        if not state[outgoing_permissions.USE_CUSTOM_ENABLED]:
            return {'use_location_permissions': True}
        if not state[outgoing_permissions.USE_CUSTOM_PERMISSIONS]:
            raise Unexportable(
                'permisos propios activados sin permisos propios por tipo de llamada (useCustomPermissions=false): '
                'la acción no puede reproducir ese estado'
            )
    return {'outgoing_permissions': _permission_entries(state)}


def _setting_of(owner: str, read: Callable[..., dict[str, Any]], endpoint: str, **options: Any) -> ExportFunction:
    """An exporter that reads one setting of a person or a workspace (``owner``): ``read(reader,
    api.<owner>_settings.<endpoint>, <owner>_id, **options)``."""

    def exporter(reader: Reader, entity: Entity) -> dict[str, Any]:
        settings_api = getattr(getattr(reader.api, f'{owner}_settings'), endpoint)
        return read(reader, settings_api, getattr(entity.model, f'{owner}_id'), **options)

    return exporter


# --------------------------------------------------------------------------- ubicaciones


def _export_calling(reader: Reader, entity: Entity) -> dict[str, Any]:
    """An exported location has Webex Calling (its announcement language is alta_ubicacion's column)."""
    announcement = entity.calling.announcement_language or entity.model.announcement_language
    return {'enable_calling': True, 'announcement_language': announcement}


def _inventory(reader: Reader, location_id: str) -> dict[str, Any]:
    return reader.ctx.cached(
        (EXPORT_INVENTORY, location_id),
        lambda: read_inventory(reader.api, reader.ctx, location_id),
    )


def _export_alta_ubicacion(reader: Reader, entity: Entity) -> dict[str, Any]:
    values = location_state(entity.model)
    values['announcement_language'] = entity.calling.announcement_language or entity.model.announcement_language
    return values


def _export_pstn(reader: Reader, entity: Entity) -> dict[str, Any]:
    api, ctx = reader.api, reader.ctx
    location_id = entity.model.location_id
    state = read_connection(api, ctx, location_id)
    kind = state['pstnConnectionType']
    if kind is None:
        return {'pstn': None}
    options = ctx.call(api.telephony.pstn.list, location_id, org_id=ctx.org_id)
    routes = resolve.premises_routes(api, ctx)
    option_names = [(o.id, o.display_name) for o in options]
    route_names = [(r['id'], r['name']) for r in routes]
    labels = _unique_labels(option_names + route_names)
    wanted = state['routeId'] if kind == LOCAL_GATEWAY else state['id']
    if wanted not in labels:
        raise Unexportable(f'la conexión PSTN actual ({state["displayName"] or kind}) no figura entre las opciones')
    return {'pstn': labels[wanted]}


def _export_numbers(reader: Reader, entity: Entity) -> dict[str, Any]:
    numbers = list(_inventory(reader, entity.model.location_id))
    return {'phone_numbers': number_ranges(numbers) if numbers else None}


def _export_main_number(reader: Reader, entity: Entity) -> dict[str, Any]:
    location_id = entity.model.location_id
    clid = entity.calling.calling_line_id
    number = clid.phone_number if clid else None
    if not number:
        return {'main_number': None}
    if number not in _inventory(reader, location_id):
        raise Unexportable(f'el número de cabecera {number} no está en el inventario de la ubicación')
    return {'main_number': number, 'caller_id_name': clid.name}


def _export_internal_dialing(reader: Reader, entity: Entity) -> dict[str, Any]:
    api, ctx = reader.api, reader.ctx
    calling = entity.calling
    dialing = ctx.call(api.telephony.location.internal_dialing.read, entity.model.location_id, org_id=ctx.org_id)
    values: dict[str, Any] = {
        'routing_prefix': calling.routing_prefix,
        'outside_dial_digit': calling.outside_dial_digit,
    }
    route = dialing.unknown_extension_route_identity
    if dialing.enable_unknown_extension_route_policy and route is not None:
        labels = _unique_labels((r['id'], r['name']) for r in resolve.premises_routes(api, ctx))
        values['unknown_extension_route'] = labels.get(route.route_id)
        if values['unknown_extension_route'] is None:
            raise Unexportable(f'la ruta de extensiones desconocidas {route.route_id} no es un trunk ni un route group')
    else:
        values['unknown_extension_policy'] = False
    return values


def _export_location_permissions(reader: Reader, entity: Entity) -> dict[str, Any]:
    endpoint = reader.api.telephony.location.permissions_out
    return _permissions(reader, endpoint, entity.model.location_id, with_flags=False)


# --------------------------------------------------------------------------- usuarios


def _user_licenses(reader: Reader) -> dict[str, str]:
    return reader.ctx.cached((EXPORT_CALLING_LICENSES, ''), lambda: user_calling_licenses(reader.api, reader.ctx))


def _export_alta_usuario(reader: Reader, entity: Entity) -> dict[str, Any]:
    person = entity.model
    license_id = next((lid for lid in person.licenses or [] if lid in _user_licenses(reader)), None)
    extension, number = person.extension, work_number(person)
    if not extension and not number:
        raise Unexportable('la persona no tiene extensión ni número directo')
    default_display = f'{person.first_name} {person.last_name}'
    return {
        'first_name': person.first_name,
        'last_name': person.last_name,
        'display_name': person.display_name if person.display_name != default_display else None,
        'location': reader.location_labels.get(person.location_id),
        'extension': extension,
        'phone_number': number,
        'calling_license': reader.license_labels.get(license_id) if license_id else None,
    }


def _export_location(reader: Reader, entity: Entity) -> dict[str, Any]:
    """The person's current location as ``target_location``: reapplied, nothing moves."""
    return {'target_location': reader.location_labels.get(entity.model.location_id)}


def _intercom_number(reader: Reader, settings_api: Any, holder_id: str) -> dict[str, Any]:
    """The first alternate number as ``intercom_number`` (a row holds one); ``{}`` when there is none: the action
    does not apply to that row."""
    settings = reader.ctx.call(settings_api.read, holder_id, org_id=reader.ctx.org_id)
    _, alternates = intercom_number.numbers_of(settings)
    return {'intercom_number': alternates[0]} if alternates else {}


def _export_licenses(reader: Reader, entity: Entity) -> dict[str, Any]:
    held = entity.model.licenses or []
    unknown = [lid for lid in held if lid not in reader.license_labels]
    if unknown:
        raise Unexportable(f'licencias que no figuran en la organización: {", ".join(unknown)}')
    return {'add_licenses': '|'.join(sorted(reader.license_labels[lid] for lid in held)) or None}


# --------------------------------------------------------------------------- workspaces


def _export_alta_workspace(reader: Reader, entity: Entity) -> dict[str, Any]:
    api, ctx = reader.api, reader.ctx
    workspace = entity.model
    numbers = ctx.call(api.workspace_settings.numbers.read, workspace.workspace_id, org_id=ctx.org_id)
    assigned = (workspace.calling.webex_calling.licenses or []) if workspace.calling.webex_calling else []
    license_label = reader.license_labels.get(assigned[0]) if assigned else None
    if assigned and license_label is None:
        reader.note(
            'workspaces.csv', entity.label, ['license'], f'la licencia {assigned[0]} no figura en la organización'
        )
    current = primary_numbers(numbers)
    if not current['extension'] and not current['phone_number']:
        raise Unexportable('el workspace no tiene extensión ni número')
    devices = workspace.supported_devices
    return {
        **current,
        'license': license_label,
        'supported_devices': getattr(devices, 'value', devices),
    }


_FORWARD = tuple(param.name for param in forwarding.PARAMS)
_PUSH_TO_TALK = tuple(param.name for param in push_to_talk.PARAMS)
_PERMISSIONS = ('outgoing_permissions', 'use_location_permissions')
#: a profile is a file the operator writes: the export writes the same permissions as the explicit list
_NO_PROFILE = {
    'outgoing_permissions_profile': 'un perfil es un fichero: se exporta la lista completa en outgoing_permissions'
}
_CHANGE = 'describe un cambio, no un estado: se deja vacío'

#: action -> how its parameters are exported (a parameter missing here gets an empty column, see
#: ``columns_not_exported``). Every action is here or in ``NOT_EXPORTED``.
EXPORTERS: dict[str, Exporter] = {
    'alta_ubicacion': Exporter(
        _export_alta_ubicacion,
        (
            'time_zone',
            'preferred_language',
            'announcement_language',
            'address1',
            'address2',
            'city',
            'state',
            'postal_code',
            'country',
        ),
    ),
    'habilitar_calling_ubicacion': Exporter(_export_calling, ('enable_calling', 'announcement_language')),
    'configurar_pstn_ubicacion': Exporter(_export_pstn, ('pstn',)),
    'anadir_numeraciones_ubicacion': Exporter(
        _export_numbers,
        ('phone_numbers',),
        {
            'number_state': 'estado de los números que se añadan; los existentes se quedan como están',
            'number_type': 'tipo de los números que se añadan; los existentes se quedan como están',
        },
    ),
    'configurar_cabecera_ubicacion': Exporter(_export_main_number, ('main_number', 'caller_id_name')),
    'configurar_internas_ubicacion': Exporter(
        _export_internal_dialing,
        ('routing_prefix', 'outside_dial_digit', 'unknown_extension_route', 'unknown_extension_policy'),
    ),
    'configurar_permisos_salientes_ubicacion': Exporter(
        _export_location_permissions, ('outgoing_permissions',), _NO_PROFILE
    ),
    'alta_usuario': Exporter(
        _export_alta_usuario,
        ('first_name', 'last_name', 'display_name', 'location', 'extension', 'phone_number', 'calling_license'),
    ),
    'asignar_licencias_usuario': Exporter(_export_licenses, ('add_licenses',), {'remove_licenses': _CHANGE}),
    'mover_usuarios_ubicacion': Exporter(
        _export_location,
        ('target_location',),
        {
            'target_extension': 'la extensión actual ya se exporta en extension (alta_usuario)',
            'target_phone_number': 'el número actual ya se exporta en phone_number (alta_usuario)',
        },
    ),
    'configurar_push_to_talk_usuario': Exporter(_setting_of('person', _push_to_talk, 'push_to_talk'), _PUSH_TO_TALK),
    'configurar_numero_intercom_usuario': Exporter(
        _setting_of('person', _intercom_number, 'numbers'), ('intercom_number',), {'intercom_number_remove': _CHANGE}
    ),
    'configurar_desvio_usuario': Exporter(_setting_of('person', _forwarding, 'forwarding'), _FORWARD),
    'configurar_permisos_salientes_usuario': Exporter(
        _setting_of('person', _permissions, 'permissions_out', with_flags=True), _PERMISSIONS, _NO_PROFILE
    ),
    'alta_workspace': Exporter(_export_alta_workspace, ('extension', 'phone_number', 'license', 'supported_devices')),
    'configurar_push_to_talk_workspace': Exporter(
        _setting_of('workspace', _push_to_talk, 'push_to_talk'), _PUSH_TO_TALK
    ),
    'configurar_numero_intercom_workspace': Exporter(
        _setting_of('workspace', _intercom_number, 'numbers'),
        ('intercom_number',),
        {'intercom_number_remove': _CHANGE},
    ),
    'configurar_desvio_workspace': Exporter(_setting_of('workspace', _forwarding, 'forwarding'), _FORWARD),
    'configurar_permisos_salientes_workspace': Exporter(
        _setting_of('workspace', _permissions, 'permissions_out', with_flags=True), _PERMISSIONS, _NO_PROFILE
    ),
}

#: action -> why it is not exported: its own columns stay empty.
NOT_EXPORTED: dict[str, str] = {
    'precheck_workspace': 'un precheck comprueba un workspace y no cambia nada: no hay estado que exportar '
    '(área por defecto: general)',
}


def unregistered(names: Iterable[str]) -> list[str]:
    """The actions of ``names`` that are neither in ``EXPORTERS`` nor in ``NOT_EXPORTED`` (or are in both)."""
    return [name for name in names if (name in EXPORTERS) == (name in NOT_EXPORTED)]


# --------------------------------------------------------------------------- datasets


def ready_actions(domain: str) -> list[Action]:
    """The ready actions of ``domain``, in catalogue order (the ones whose columns are exported)."""
    return [action for action in actions() if action.ready and action.domain == domain]


def export_columns(domain: str) -> list[str]:
    """The dataset's columns: its key columns first, then every declared column of its ready actions, in order."""
    domain_actions = ready_actions(domain)
    keys = [p.csv_column for a in domain_actions for p in a.key_params]
    rest = [p.csv_column for a in domain_actions for p in a.params]
    return list(dict.fromkeys(keys + rest))


def _row(reader: Reader, file: str, domain_actions: list[Action], entity: Entity, candidates: bool) -> dict[str, str]:
    """One CSV row: the entity's keys, then each action's exported values that are valid, complete and consistent."""
    row = dict(entity.keys)
    if candidates:
        return row
    for action in domain_actions:
        exporter = EXPORTERS.get(action.name)
        if exporter is None:
            continue
        try:
            values = exporter.read(reader, entity)
        except Unexportable as exc:
            own = [p.csv_column for p in action.params if not p.key]
            reader.note(file, entity.label, own, f'{action.name}: {exc}')
            continue
        if not values:  # nothing of this action's state to export for this entity (e.g. no intercom number)
            continue
        texts: dict[str, str] = {}
        for name, value in values.items():
            param = action.param(name)
            text = cell(value)
            if text == '':
                continue
            try:
                param.coerce(text)
            except ValueError as exc:
                reader.note(
                    file, entity.label, [param.csv_column], f'{action.name}: valor {text!r} no exportable: {exc}'
                )
                continue
            texts[param.csv_column] = text
        missing = [
            p.csv_column
            for p in action.required
            if p.default is None and not row.get(p.csv_column) and not texts.get(p.csv_column)
        ]
        clashing = [column for column, text in texts.items() if row.get(column, text) != text]
        if missing or clashing:
            why = (
                f'falta {", ".join(missing)}'
                if missing
                else f'valor distinto al de otra acción en {", ".join(clashing)}'
            )
            reader.note(
                file, entity.label, texts or [p.csv_column for p in action.params if not p.key], f'{action.name}: {why}'
            )
            continue
        row.update(texts)
    return row


def _build(reader: Reader, domain: str, entities: list[Entity], candidates: bool, concurrency: int) -> Dataset:
    file = DATASETS[domain]
    domain_actions = ready_actions(domain)
    log = reader.ctx.log

    def one(entity: Entity) -> dict[str, str]:
        with logging_to(log):
            return _row(reader, file, domain_actions, entity, candidates)

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix='export') as pool:
        rows = list(pool.map(one, entities))
    return Dataset(file, export_columns(domain), rows)


def _selected_locations(reader: Reader, wanted: list[str]) -> tuple[list[Any], dict[str, Any]]:
    """(every location of the org, {id: location} of the ones selected by ``--location``); Rejected naming the
    unknown ones."""
    api, ctx = reader.api, reader.ctx
    every = ctx.call(lambda: list(api.locations.list(org_id=ctx.org_id)))
    if not wanted:
        return every, {loc.location_id: loc for loc in every}
    selected: dict[str, Any] = {}
    unknown = []
    for name in wanted:
        match = [loc for loc in every if loc.location_id == name or (loc.name or '').casefold() == name.casefold()]
        if not match:
            unknown.append(name)
        selected.update({loc.location_id: loc for loc in match})
    if unknown:
        names = ', '.join(sorted(loc.name or loc.location_id for loc in every)) or 'ninguna'
        raise Rejected(f'--location: no existe la ubicación {", ".join(map(repr, unknown))}; ubicaciones: {names}')
    return every, selected


def _location_entities(reader: Reader, selected: dict[str, Any]) -> list[Entity]:
    api, ctx = reader.api, reader.ctx
    calling_ids = {loc.location_id for loc in ctx.call(lambda: list(api.telephony.location.list(org_id=ctx.org_id)))}
    entities = []
    for location_id, location in selected.items():
        if location_id not in calling_ids:
            continue
        calling = resolve.calling_location(api, ctx, location_id, location.name)
        label = reader.location_labels[location_id]
        entities.append(Entity({'name': label}, label, location, calling))
    return sorted(entities, key=lambda e: e.label.casefold())


def _person_entities(reader: Reader, selected: dict[str, Any], candidates: bool, filtered: bool) -> list[Entity]:
    api, ctx = reader.api, reader.ctx
    people = ctx.call(lambda: list(api.people.list(calling_data=True, org_id=ctx.org_id)))
    calling = _user_licenses(reader)
    entities = []
    for person in people:
        kind = getattr(person.person_type, 'value', person.person_type) or 'person'
        if not person.emails or kind != 'person':
            continue
        enabled = any(lid in calling for lid in person.licenses or [])
        if enabled == candidates:
            continue
        if not candidates and filtered and person.location_id not in selected:
            continue
        email = person.emails[0].lower()
        keys = {'email': email}
        if candidates:
            keys.update(first_name=person.first_name or '', last_name=person.last_name or '')
        entities.append(Entity(keys, email, person))
    return sorted(entities, key=lambda e: e.label)


def _workspace_entities(reader: Reader, selected: dict[str, Any], candidates: bool, filtered: bool) -> list[Entity]:
    api, ctx = reader.api, reader.ctx
    entities = []
    for workspace in ctx.call(lambda: list(api.workspaces.list(org_id=ctx.org_id))):
        enabled = calling_type(workspace) == 'webexCalling'
        if enabled == candidates:
            continue
        if filtered and workspace.location_id not in selected:
            continue
        location = reader.location_labels.get(workspace.location_id, '') if workspace.location_id else ''
        keys = {'name': workspace.display_name or '', 'location': location}
        entities.append(Entity(keys, f'{keys["name"]} / {location}', workspace))
    return sorted(entities, key=lambda e: (e.keys['location'].casefold(), e.keys['name'].casefold()))


# --------------------------------------------------------------------------- global.csv


def global_row(datasets: list[Dataset], *, share: bool = True) -> dict[str, str]:
    """The global.csv row: with ``share``, the values that every row (two or more) of every dataset having the
    column shares, moved out of the rows; empty when there are none (global.csv is optional: then it is not
    written)."""
    catalog = load_catalog()
    keys = {column for domain in DATASETS for column in key_columns(catalog, domain)}
    common: dict[str, str] = {}
    for column in dict.fromkeys(c for d in datasets for c in d.columns) if share else ():
        if column in keys:
            continue
        values = [row.get(column, '') for d in datasets if column in d.columns for row in d.rows]
        if len(values) >= 2 and len(set(values)) == 1 and values[0] != '':
            common[column] = values[0]
    for dataset in datasets:
        for row in dataset.rows:
            for column in common:
                row.pop(column, None)
    return common


def columns_not_exported(datasets: list[Dataset]) -> dict[str, dict[str, str]]:
    """Per file, the declared columns no exporter fills, and why (a new column or action shows up here)."""
    report: dict[str, dict[str, str]] = {}
    by_file = {DATASETS[domain]: domain for domain in DATASETS}
    for dataset in datasets:
        domain_actions = ready_actions(by_file[dataset.file])
        covered = {p.csv_column for a in domain_actions for p in a.key_params}
        reasons: dict[str, str] = {}
        for action in domain_actions:
            if action.name in NOT_EXPORTED:
                own = (p.csv_column for p in action.params if not p.key)
                reasons.update(dict.fromkeys(own, NOT_EXPORTED[action.name]))
            exporter = EXPORTERS.get(action.name)
            if exporter is None:
                continue
            covered.update(action.param(name).csv_column for name in exporter.params)
            reasons.update({action.param(name).csv_column: why for name, why in exporter.not_state.items()})
        for action in domain_actions:
            for param in action.params:
                column = param.csv_column
                if column not in covered:
                    why = reasons.get(column) or f'{action.name} no tiene exportador para {param.name}: queda vacía'
                    report.setdefault(dataset.file, {}).setdefault(column, why)
    return report


def export(
    api: Any, ctx: Context, *, locations: list[str], candidates: bool, concurrency: int
) -> tuple[list[Dataset], Reader]:
    """Read the org (or, with ``candidates``, its people and workspaces without Webex Calling) and build the datasets,
    ``concurrency`` entities at a time; no file is written. ``locations`` (names or ids) limits the export to them
    and their people and workspaces (Rejected naming an unknown one). Returns the datasets and the reader, whose
    ``notes`` say which values were left empty and why."""
    reader = Reader(api, ctx)
    every, selected = _selected_locations(reader, locations)
    reader.location_labels = _unique_labels((loc.location_id, loc.name) for loc in every)
    reader.license_labels = license_labels(resolve.licenses(api, ctx))
    _user_licenses(reader)
    filtered = bool(locations)
    datasets = []
    if not candidates:
        resolve.premises_routes(api, ctx)
        entities = _location_entities(reader, selected)
        datasets.append(_build(reader, 'ubicaciones', entities, candidates, concurrency))
    people = _person_entities(reader, selected, candidates, filtered)
    datasets.append(_build(reader, 'usuarios', people, candidates, concurrency))
    workspaces = _workspace_entities(reader, selected, candidates, filtered)
    datasets.append(_build(reader, 'workspaces', workspaces, candidates, concurrency))
    return datasets, reader
