"""Workspace prechecks: the read-only report every workspace write runs first (the workspace exists, has Webex
Calling, its location, the current settings of the area about to change, number/extension conflicts, licenses),
with the verdict ``ok`` or ``blocked``.

Calls (all GET): /workspaces?displayName=&locationId= or /workspaces/{id}, /locations/{id},
/workspaces/{id}/features/numbers/, /telephony/config/numbers?phoneNumber=|extension=&locationId=, /licenses, and per
area /telephony/config/workspaces/{id}/pushToTalk (intercom), /workspaces/{id}/features/callForwarding (desvio),
/workspaces/{id}/features/outgoingPermission (permisos_salientes).
"""

from __future__ import annotations

from typing import Any

from transformacion.core.context import Context
from transformacion.core.outcome import Rejected
from transformacion.core.retry import http_status
from transformacion.domain import resolve
from transformacion.domain.numbers import extension_problem, number_problem

AREAS = ('general', 'numeros', 'intercom', 'desvio', 'permisos_salientes')


#: Area -> attribute of ``api.workspace_settings`` whose ``read(workspace_id)`` gives its current settings.
_AREA_API = {'intercom': 'push_to_talk', 'desvio': 'forwarding', 'permisos_salientes': 'permissions_out'}


#: HTTP statuses that mean "this endpoint is not served here" once the workspace is known to exist.
_UNAVAILABLE = (404, 405, 501)


def _read_optional(ctx: Context, fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """``(value, None)``, or ``(None, why)`` when the endpoint is not served (404/405/501)."""
    try:
        return ctx.call(fn, *args, **kwargs), None
    except Exception as exc:
        if http_status(exc) in _UNAVAILABLE:
            return None, f'HTTP {http_status(exc)}'
        raise


def calling_type(workspace: Any) -> str:
    """The calling type of a wxc_sdk ``Workspace`` as text (``none`` when unset); types the SDK does not know, such as
    ``hybridCalling``, stay plain strings."""
    calling = workspace.calling.type if workspace.calling and workspace.calling.type else 'none'
    return str(getattr(calling, 'value', calling))


def primary_numbers(numbers: Any) -> dict[str, str | None]:
    """``{extension, phone_number}`` of the primary (else the first) entry of a workspace numbers read."""
    entries = numbers.phone_numbers
    primary = next((n for n in entries if n.primary), None) or next(iter(entries), None)
    return {
        'extension': primary.extension if primary else None,
        'phone_number': primary.external if primary else None,
    }


def _dump(model: Any) -> dict[str, Any]:
    """A settings model as JSON-ready snake_case data; pydantic's own dump, because some wxc_sdk models (outgoing
    permissions) override ``model_dump`` with another signature."""
    from pydantic import BaseModel

    return BaseModel.model_dump(model, mode='json', exclude_none=True)


def number_problems(
    api: Any, ctx: Context, location_id: str, location: str, wanted: dict[str, str], owner_id: str | None
) -> dict[str, list[Any]]:
    """Check that the ``extension`` and/or ``phone_number`` in ``wanted`` can belong to ``owner_id`` (None: a
    workspace still to be created) in the location (named ``location`` in messages): ``conflicts`` (held by someone
    else), ``reasons`` (one line per problem: conflicts and numbers outside the location's inventory), ``warnings``
    (checks the API could not make). The number goes through :func:`numbers.number_problem`. Reads
    ``GET /telephony/config/numbers``."""
    problems: dict[str, list[Any]] = {'conflicts': [], 'reasons': [], 'warnings': []}
    for field, value in wanted.items():
        try:
            if field == 'phone_number':
                problem = number_problem(api, ctx, value, location_id, location, holder_id=owner_id)
            else:
                problem = extension_problem(api, ctx, value, location_id, holder_id=owner_id)
        except Exception as exc:
            if http_status(exc) not in _UNAVAILABLE:
                raise
            problems['warnings'].append(f'no se pudo comprobar si {field} {value} está libre (HTTP {http_status(exc)})')
            continue
        if problem is None:
            continue
        problems['reasons'].append(problem['reason'])
        if problem['kind'] == 'taken':
            problems['conflicts'].append({'field': field, 'value': value, **problem['details']})
    return problems


def run_precheck(
    api: Any,
    ctx: Context,
    workspace: str,
    area: str = 'general',
    *,
    location: str | None = None,
    extension: str | None = None,
    phone_number: str | None = None,
) -> dict[str, Any]:
    """The precheck report of ``workspace`` (name or id) before changing ``area``; reads only, never raises Rejected.

    Report keys: workspace, area, workspace_id, display_name, location {id, name}, calling, licenses, numbers,
    current (settings of the area, or None), area_available, conflicts, warnings, reasons, verdict (ok|blocked).
    """
    if area not in AREAS:
        raise ValueError(f'área desconocida {area!r}; use una de: {", ".join(AREAS)}')
    report: dict[str, Any] = {
        'workspace': workspace,
        'area': area,
        'workspace_id': None,
        'display_name': None,
        'location': None,
        'calling': None,
        'licenses': [],
        'numbers': None,
        'current': None,
        'area_available': None,
        'conflicts': [],
        'warnings': [],
        'reasons': [],
        'verdict': 'blocked',
    }
    try:
        ws_id = resolve.workspace_id(api, ctx, workspace, location)
    except Rejected as exc:
        report['reasons'].append(exc.message)
        return report
    details = ctx.call(api.workspaces.details, ws_id)
    calling = calling_type(details)
    report.update({'workspace_id': ws_id, 'display_name': details.display_name, 'calling': calling})
    if calling != 'webexCalling':
        report['reasons'].append(f'el workspace {details.display_name!r} no tiene Webex Calling ({calling})')
    if not details.location_id:
        report['reasons'].append(f'el workspace {details.display_name!r} no tiene ubicación')
    else:
        loc = ctx.call(api.locations.details, details.location_id, org_id=ctx.org_id)
        report['location'] = {'id': details.location_id, 'name': loc.name}
    if calling == 'webexCalling':
        _calling_checks(api, ctx, report, details, extension=extension, phone_number=phone_number)
    if not report['reasons']:
        report['verdict'] = 'ok'
    return report


def _calling_checks(
    api: Any, ctx: Context, report: dict[str, Any], details: Any, *, extension: str | None, phone_number: str | None
) -> None:
    """Licenses, numbers, conflicts and the current settings of the area of a Webex Calling workspace."""
    ws_id = report['workspace_id']
    by_id = {lic.license_id: lic for lic in resolve.licenses(api, ctx)}
    assigned = (details.calling.webex_calling.licenses or []) if details.calling.webex_calling else []
    for license_id in assigned:
        lic = by_id.get(license_id)
        if lic is None:
            report['warnings'].append(f'la licencia {license_id} del workspace no figura en la organización')
            continue
        report['licenses'].append(
            {'id': license_id, 'name': lic.name, 'total_units': lic.total_units, 'consumed_units': lic.consumed_units}
        )
    if not assigned:
        report['warnings'].append('el workspace no declara licencia de Webex Calling')

    numbers, why = _read_optional(ctx, api.workspace_settings.numbers.read, ws_id, org_id=ctx.org_id)
    if numbers is None:
        report['warnings'].append(f'no se pudieron leer los números del workspace ({why})')
        current_numbers: dict[str, str] = {}
    else:
        current_numbers = {key: value for key, value in primary_numbers(numbers).items() if value}
        report['numbers'] = current_numbers
    wanted = {**current_numbers, **{k: v for k, v in (('extension', extension), ('phone_number', phone_number)) if v}}
    if report['location'] and wanted:
        location = report['location']
        for key, items in number_problems(api, ctx, location['id'], location['name'], wanted, ws_id).items():
            report[key].extend(items)

    area = report['area']
    if area == 'general':
        report['current'] = {'display_name': details.display_name, 'calling': report['calling'], **current_numbers}
        report['area_available'] = True
    elif area == 'numeros':
        report['current'] = _dump(numbers) if numbers is not None else None
        report['area_available'] = numbers is not None
    else:
        settings_api = getattr(api.workspace_settings, _AREA_API[area])
        current, why = _read_optional(ctx, settings_api.read, ws_id, org_id=ctx.org_id)
        report['area_available'] = current is not None
        if current is None:
            report['warnings'].append(f'el área {area} no está disponible para este workspace ({why})')
        else:
            report['current'] = _dump(current)


def verdict_line(report: dict[str, Any]) -> str:
    name = report['display_name'] or report['workspace']
    if report['verdict'] == 'ok':
        return f'precheck del workspace {name!r} ({report["area"]}): ok'
    return f'precheck del workspace {name!r} ({report["area"]}): blocked: ' + '; '.join(report['reasons'])


def require_precheck_ok(
    api: Any,
    ctx: Context,
    workspace: str,
    area: str,
    *,
    location: str | None = None,
    extension: str | None = None,
    phone_number: str | None = None,
) -> dict[str, Any]:
    """Run the precheck before a write to ``workspace`` (name or id) in ``area``; call it before any workspace write.

    ``area`` is one of ``AREAS`` (general, numeros, intercom, desvio, permisos_salientes). The report is logged as
    a ``response`` event (kind ``precheck``). When the verdict is ``blocked`` this raises ``Rejected`` (the caller
    writes nothing) with the report under ``details['precheck']``. When it is ``ok`` it returns the report, whose
    ``workspace_id`` is the resolved id; put it in your Outcome's details under ``precheck``. Also run it in
    dry-run: it only reads.
    """
    report = run_precheck(api, ctx, workspace, area, location=location, extension=extension, phone_number=phone_number)
    ctx.log.event('response', {'kind': 'precheck', **report})
    if report['verdict'] != 'ok':
        raise Rejected(verdict_line(report), {'precheck': report})
    return report
