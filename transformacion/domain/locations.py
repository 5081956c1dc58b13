"""Locations: the general settings of a location as a flat state, its PSTN connection
(``GET /telephony/pstn/locations/{id}/connection``) normalised, and the calling-details update whose routing-prefix
change Webex runs as an admin batch job (``/telephony/config/jobs/updateRoutingPrefix``)."""

from __future__ import annotations

from typing import Any

from transformacion.core.context import Context, PlannedCall
from transformacion.core.retry import absent_on_404, http_status
from transformacion.domain import jobs
from transformacion.domain.jobs import wire_value

ADDRESS_FIELDS = ('address1', 'address2', 'city', 'state', 'postal_code', 'country')


def location_state(location: Any) -> dict[str, Any]:
    address = location.address
    state = {
        'time_zone': location.time_zone,
        'preferred_language': location.preferred_language,
    }
    state.update({field: getattr(address, field, None) if address else None for field in ADDRESS_FIELDS})
    return state


LOCAL_GATEWAY = 'LOCAL_GATEWAY'


#: Connection types Webex does not let the API set (documented for PUT .../connection): Control Hub only.
NOT_SETTABLE = ('INTEGRATED_CCP', 'CISCO_PSTN')

#: Connection types whose locations may get numbers through ``POST /telephony/config/locations/{id}/numbers``
#: ("only supported for ... non-integrated PSTN connection types such as Local Gateway (LGW) and Non-integrated
#: CPP", developer.webex.com, Add Phone Numbers to a location).
NUMBERS_BY_API = (LOCAL_GATEWAY, 'NON_INTEGRATED_CCP')


NO_CONNECTION = {'pstnConnectionType': None, 'id': None, 'routeType': None, 'routeId': None}


def connection_path(location_id: str) -> str:
    return f'/telephony/pstn/locations/{location_id}/connection'


def read_connection(api: Any, ctx: Context, location_id: str) -> dict[str, Any]:
    """The current PSTN connection, normalised; all None when the location has none yet (404)."""
    current = absent_on_404(ctx.call, api.telephony.pstn.read, location_id, org_id=ctx.org_id)
    if current is None:
        return {**NO_CONNECTION, 'displayName': None}
    kind = wire_value(current.pstn_connection_type)
    state = {**NO_CONNECTION, 'pstnConnectionType': kind, 'displayName': current.display_name}
    if kind == LOCAL_GATEWAY:
        state.update(routeType=wire_value(current.route_type), routeId=current.route_id)
    elif kind is not None:
        state['id'] = current.id
    return state


# --------------------------------------------------------------------------- routing prefix: an admin batch job


def job_in_progress(exc: Exception) -> bool:
    """A 409 ``{failureReason: "UpdateRoutingPrefixJob failed as another one is already in progress."}``."""
    response = getattr(exc, 'response', None)
    return http_status(exc) == 409 and 'in progress' in (getattr(response, 'text', '') or '').lower()


def update_calling_location(api: Any, ctx: Context, location_id: str, settings: Any) -> str | None:
    """``PUT /telephony/config/locations/{id}``: the batch job id Webex answers when the routing prefix changes
    (``200 {batchJobId}``), else None (204, or 206 when the job was not triggered).

    While another routing-prefix job runs, Webex answers ``409 {failureReason: ...already in progress}``: the PUT is
    sent again after growing waits (``jobs.JOB_WAITS``), each logged, for at most ``jobs.JOB_TIMEOUT_S`` in total;
    then the 409 is raised. Any other error is raised at once. wxc_sdk returns the job id from 1.27.1 on
    (``TelephonyLocationApi.update``).
    """
    waited = 0.0
    pauses = jobs.waits()
    while True:
        try:
            return api.telephony.location.update(location_id, settings, org_id=ctx.org_id)
        except Exception as exc:
            if not job_in_progress(exc) or waited >= jobs.JOB_TIMEOUT_S:
                raise
            wait = next(pauses)
            ctx.log.count_retry()
            ctx.log.event(
                'error',
                {'kind': 'retry', 'reason': 'routing_prefix_job_in_progress', 'status': 409, 'wait_s': wait},
            )
            ctx.sleep(wait)
            waited += wait


def follow_routing_prefix_job(api: Any, ctx: Context, job_id: str) -> dict[str, Any]:
    """Read an update-routing-prefix job until it ends (``GET /telephony/config/jobs/updateRoutingPrefix/{id}``
    through wxc_sdk's ``telephony.jobs.update_routing_prefix.status``): ``jobs.follow``'s report."""
    return jobs.follow(api, ctx, api.telephony.jobs.update_routing_prefix, job_id, kind='routing_prefix_job')


# --------------------------------------------------------------------------- Webex Calling on a location


def calling_details(api: Any, ctx: Context, location_id: str) -> Any:
    """The location's Webex Calling details (``GET /telephony/config/locations/{id}``), or None when it is not
    enabled for calling (404)."""
    return absent_on_404(ctx.call, api.telephony.location.details, location_id, org_id=ctx.org_id)


def enable_calling(api: Any, ctx: Context, to_enable: Any) -> None:
    """Enable Webex Calling on an existing location (``POST /telephony/config/locations`` with ``to_enable``, a
    wxc_sdk ``Location`` carrying its id, name, time zone, languages and address), recorded as a planned write; a
    failure whose answer was lost is read back (:func:`calling_details`) instead of sent again."""
    ctx.write(
        PlannedCall(
            'POST', '/telephony/config/locations', to_enable.model_dump(mode='json', by_alias=True, exclude_none=True)
        ),
        api.telephony.location.enable_for_calling,
        to_enable,
        org_id=ctx.org_id,
        recover=lambda: calling_details(api, ctx, to_enable.location_id),
    )
