"""Add E.164 numbers or ranges to the number inventory of a Webex Calling location, active or inactive, in batches.

Cisco documents ``POST .../numbers`` as supported only for locations whose PSTN connection is a Local Gateway or a
non-integrated CCP, never for integrated PSTN (Cisco Calling Plans / Cisco PSTN, integrated CCP): before adding any
number the action reads the location's connection and refuses, writing nothing, when it has none yet or another
type (numbers that are all already there are skipped whatever the connection). In the launcher
it runs after configurar_pstn_ubicacion of the same row (its location parameter depends on that action).
Numbers already in the location are left as they are; a number held by another location stops the action before
any write, naming the location that holds it. The result reports every number. Success is judged by reading the
inventory back: wxc_sdk's number.add() does not raise on a 400 (it passes ignore_status=400).
``number_type`` (DID by default, TOLLFREE, MOBILE) is sent as ``numberType``; mobile numbers may go to any PSTN
connection. The read-back checks that each number is there in the asked state (the inventory does not show the
type of a DID or mobile number; a toll-free one shows ``tollFreeNumber``).
Calls: GET /locations?name=, GET /telephony/config/locations/{id}, GET /telephony/pstn/locations/{id}/connection,
GET /telephony/config/numbers, POST /telephony/config/locations/{id}/numbers (at most BATCH_SIZE numbers per request).
Scopes: spark-admin:locations_read, spark-admin:telephony_config_read/write, spark-admin:telephony_pstn_read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from transformacion.common import (
    ENUM,
    LOCATION,
    NUMBER_RANGES,
    Action,
    Context,
    Outcome,
    Param,
    PlannedCall,
    Rejected,
    action_main,
    converge,
)
from transformacion.domain import resolve
from transformacion.domain.locations import NUMBERS_BY_API, read_connection
from transformacion.domain.numbers import read_inventory

#: Number types Webex accepts in ``POST .../numbers`` (spec ``numberType``; wxc_sdk ``TelephoneNumberType``).
NUMBER_TYPES = ('DID', 'TOLLFREE', 'MOBILE')

ACTION = Action(
    name='anadir_numeraciones_ubicacion',
    domain='ubicaciones',
    summary='Añade números o rangos E.164 al inventario de una ubicación.',
    params=(
        replace(LOCATION, depends_on='configurar_pstn_ubicacion'),
        Param(
            'phone_numbers',
            type=NUMBER_RANGES,
            required=True,
            help='números E.164 o rangos inicio-fin que añadir al inventario de la ubicación',
        ),
        Param(
            'number_state',
            type=ENUM,
            choices=('ACTIVE', 'INACTIVE'),
            default='ACTIVE',
            help='estado de los números añadidos (ACTIVE: en servicio)',
        ),
        Param(
            'number_type',
            type=ENUM,
            choices=NUMBER_TYPES,
            default='DID',
            help='tipo de los números añadidos: DID (directos, por defecto), TOLLFREE (gratuitos) o MOBILE (móviles)',
        ),
    ),
)

#: Numbers per POST. Webex documents one per-request cap for this endpoint (20 mobile numbers) and none for DID or
#: toll-free numbers, so every batch stays within the documented one; a failed batch is also small to report.
BATCH_SIZE = 20


def _numbers_path(location_id: str) -> str:
    return f'/telephony/config/locations/{location_id}/numbers'


def _state(item: Any) -> str | None:
    return getattr(item.state, 'value', item.state)


def _batches(numbers: list[str]) -> list[list[str]]:
    return [numbers[start : start + BATCH_SIZE] for start in range(0, len(numbers), BATCH_SIZE)]


def _check_pstn(
    api: Any, ctx: Context, location_id: str, location: str, details: dict[str, Any], number_type: str = 'DID'
) -> str:
    """The location's PSTN connection type; Rejected (with ``details`` and the connection) unless Webex lets the API
    add numbers of ``number_type`` to it: DID and toll-free numbers need a Local Gateway or non-integrated CCP, mobile
    numbers any PSTN connection (developer.webex.com, Add Phone Numbers to a location)."""
    connection = read_connection(api, ctx, location_id)
    kind = connection['pstnConnectionType']
    if kind is None:
        raise Rejected(
            f'la ubicación {location!r} aún no tiene conexión PSTN y Webex no admite añadirle números; configure '
            'antes su PSTN (Local Gateway o CCP no integrado) con configurar_pstn_ubicacion (columna pstn)',
            {**details, 'pstn': connection},
        )
    if kind not in NUMBERS_BY_API and number_type != 'MOBILE':
        raise Rejected(
            f'la ubicación {location!r} usa PSTN {kind} ({connection["displayName"]}): sus números los gestiona el '
            'proveedor y Cisco advierte que añadirlos por API puede dañar datos; pídalos al proveedor o añádalos en '
            'Control Hub (por API solo con Local Gateway o CCP no integrado)',
            {**details, 'pstn': connection},
        )
    return kind


def _report(
    wanted: list[str], inventory: dict[str, Any], location_id: str, state: str, after: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """One line per number asked: ``already_present`` (with its state) or ``owned_elsewhere`` (with the location)
    from the first reading of the org's ``inventory``; for the others ``to_add`` until read back (``after``), then
    ``added`` or ``failed`` with the reason."""
    report = []
    for number in wanted:
        item = inventory.get(number)
        if item is not None and item.location.id == location_id:
            line = {'phone_number': number, 'result': 'already_present', 'state': _state(item)}
        elif item is not None:
            line = {'phone_number': number, 'result': 'owned_elsewhere', 'location': item.location.name}
        elif after is None:
            line = {'phone_number': number, 'result': 'to_add'}
        elif after.get(number) == state:
            line = {'phone_number': number, 'result': 'added', 'state': state}
        else:
            found = after.get(number)
            problem = 'no aparece en la ubicación tras añadirlo' if found is None else f'estado {found}, no {state}'
            line = {'phone_number': number, 'result': 'failed', 'error': problem}
        report.append(line)
    return report


def anadir_numeraciones_ubicacion(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.common import NumberState
    from wxc_sdk.rest import RestError
    from wxc_sdk.telephony.location.numbers import NumberAddResponse, TelephoneNumberType

    location = params['location']
    wanted: list[str] = params['phone_numbers']
    state = params['number_state']
    number_type = params.get('number_type') or 'DID'
    # DID is what Webex assumes without numberType: it is sent only for another type
    typed = {} if number_type == 'DID' else {'numberType': number_type}
    location_id = resolve.location_id(api, ctx, location)
    resolve.calling_location(api, ctx, location_id, location)
    inventory = read_inventory(api, ctx)
    # the managed state: each number not yet in the location, with its state there (None: absent); the numbers
    # already in it are left as they are
    managed = [n for n in wanted if n not in inventory or inventory[n].location.id != location_id]
    details: dict[str, Any] = {'location_id': location_id}

    def read() -> dict[str, Any]:
        present = read_inventory(api, ctx, location_id)
        return {number: _state(present[number]) if number in present else None for number in managed}

    def check(before: dict[str, Any] | None, changes: dict[str, Any]) -> None:
        refused = {'location_id': location_id, 'numbers': _report(wanted, inventory, location_id, state, None)}
        elsewhere = [f'{n} ({inventory[n].location.name})' for n in changes if n in inventory]
        if elsewhere:
            raise Rejected(
                f'--phone-numbers: {len(elsewhere)} número(s) pertenecen a otra ubicación y no se pueden añadir a '
                f'{location!r}: {", ".join(elsewhere)}',
                refused,
            )
        details['pstn'] = _check_pstn(api, ctx, location_id, location, refused, number_type)

    def write(changes: dict[str, Any]) -> str:
        new = list(changes)
        batches = _batches(new)
        for batch in batches:

            def recover(batch: list[str] = batch) -> Any:
                present = read_inventory(api, ctx, location_id)
                return NumberAddResponse() if all(number in present for number in batch) else None

            try:
                ctx.write(
                    PlannedCall('POST', _numbers_path(location_id), {'phoneNumbers': batch, **typed, 'state': state}),
                    api.telephony.location.number.add,
                    location_id,
                    batch,
                    number_type=TelephoneNumberType(number_type) if typed else None,
                    state=NumberState(state),
                    org_id=ctx.org_id,
                    recover=recover,
                )
            except RestError as exc:
                # wxc_sdk < 1.28 raises the 400 that later versions swallow (ignore_status=400): same outcome on
                # both, the read-back reports the batch as failed and the other batches still go
                if exc.response.status_code != 400:
                    raise
        summary = f'{len(new)} número(s) nuevos en {len(batches)} petición(es), {len(wanted) - len(new)} ya estaban'
        return f'añadiría {summary}' if ctx.dry_run else f'añadidos {summary}'

    entity = f'inventario de la ubicación {location!r}'
    outcome = converge(
        ctx,
        entity=entity,
        read=read,
        current=dict.fromkeys(managed),
        desired=dict.fromkeys(managed, state),
        write=write,
        check=check,
        unchanged=f'los {len(wanted)} números ya estaban',
    )
    after = outcome.details.get('after')
    report = _report(wanted, inventory, location_id, state, after)
    if outcome.status == 'error':
        failed = [line['phone_number'] for line in report if line['result'] == 'failed']
        outcome.message = f'{entity}: {len(failed)} número(s) no se añadieron: {", ".join(failed)}'
    outcome.details = {**details, **outcome.details, 'numbers': report}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
