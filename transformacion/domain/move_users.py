"""Moving a Webex Calling user to another location: Webex's Move Users job
(``/telephony/config/jobs/person/moveLocation``), validated first, then started and followed to its end.

The requests are sent raw (``api.session``): the spec answers the validation with ``{response: [{userId, impacts,
errors}]}`` and a started job with ``{response: <job>}``, while wxc_sdk 1.41's ``MoveUsersJobsApi.validate_or_initiate``
parses ``response`` as ``{usersList, jobDetails}`` (the shape its live test reads) and would lose the job id of the
documented answer; both shapes are read here. The job's status is read through wxc_sdk
(``telephony.jobs.move_users.status``); its errors raw, as the routing-prefix job's (wxc_sdk's ``JobErrorItem``
requires fields the documented items lack).
"""

from __future__ import annotations

from typing import Any

from transformacion.core.context import Context, PlannedCall
from transformacion.core.outcome import Rejected
from transformacion.core.retry import http_status
from transformacion.domain import jobs
from transformacion.domain.jobs import JOB_ENDED

PATH = '/telephony/config/jobs/person/moveLocation'


def move_body(location_id: str, person_id: str, *, validate: bool, extension: str | None, number: str | None) -> dict:
    """The ``usersList`` body for one user (``extension`` / ``phoneNumber`` only when given: absent keeps them)."""
    user = {'userId': person_id}
    if extension:
        user['extension'] = extension
    if number:
        user['phoneNumber'] = number
    return {'usersList': [{'locationId': location_id, 'validate': validate, 'users': [user]}]}


def _params(ctx: Context) -> dict[str, str] | None:
    return {'orgId': ctx.org_id} if ctx.org_id else None


def _error_texts(exc: Exception) -> list[str]:
    """The messages of a refused request: the spec's ``{error: [{code, message}]}`` or Webex's usual
    ``{message, errors: [{description}]}``."""
    response = getattr(exc, 'response', None)
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    items = body.get('error') if isinstance(body.get('error'), list) else []
    texts = [f'{item.get("code")}: {item.get("message")}' for item in items if isinstance(item, dict)]
    texts += [item.get('description', '') for item in body.get('errors') or [] if isinstance(item, dict)]
    return texts or [str(body.get('message') or exc)]


def _items(response: Any) -> list[dict[str, Any]]:
    """The per-user validation answers, from either shape of ``response``."""
    if isinstance(response, dict):
        response = response.get('usersList') or []
    return [item for item in response or [] if isinstance(item, dict)]


def _codes(items: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{'code': item.get('code'), 'message': item.get('message')} for item in items or []]


def validate(api: Any, ctx: Context, body: dict[str, Any], who: str) -> list[dict[str, Any]]:
    """POST the move with ``validate: true`` (changes nothing in Webex) and return its impacts
    (``[{code, message}]``). Rejected, naming every error, when Webex says the move cannot be made (errors in the
    answer, or a 400 on the request)."""
    url = api.telephony.jobs.move_users.ep()
    try:
        answer = ctx.call(api.session.rest_post, url, json=body, params=_params(ctx)) or {}
    except Exception as exc:
        if http_status(exc) != 400:
            raise
        texts = _error_texts(exc)
        raise Rejected(f'Webex no acepta mover {who}: {"; ".join(texts)}', {'errors': texts}) from None
    items = _items(answer.get('response') if isinstance(answer, dict) else None)
    errors = [error for item in items for error in _codes(item.get('errors'))]
    impacts = [impact for item in items for impact in _codes(item.get('impacts'))]
    if errors:
        shown = '; '.join(f'{e["code"]}: {e["message"]}' for e in errors)
        raise Rejected(
            f'la validación de Webex no permite mover {who}: {shown}', {'errors': errors, 'impacts': impacts}
        )
    return impacts


def start(api: Any, ctx: Context, body: dict[str, Any]) -> str | None:
    """POST the move with ``validate: false`` (sent once: a lost answer is not sent again, since a second job would
    move the user twice); the job id, None in dry-run."""
    url = api.telephony.jobs.move_users.ep()
    answer = ctx.write(PlannedCall('POST', PATH, body), api.session.rest_post, url, json=body, params=_params(ctx))
    if answer is None:
        return None
    response = answer.get('response') if isinstance(answer, dict) else None
    response = response if isinstance(response, dict) else {}
    job_id = response.get('id') or (response.get('jobDetails') or {}).get('id')
    if not job_id:
        raise RuntimeError(f'Webex no devolvió el id del trabajo de mover usuarios: {answer!r}')
    return job_id


def follow(api: Any, ctx: Context, job_id: str) -> dict[str, Any]:
    """Read a move-users job until it ends (``GET .../moveLocation/{jobId}``): ``jobs.follow``'s report, whose
    status may also be COMPLETED_WITH_PENDING_ORDERS."""
    return jobs.follow(
        api,
        ctx,
        api.telephony.jobs.move_users,
        job_id,
        kind='move_users_job',
        ended_codes=(*JOB_ENDED, 'COMPLETED_WITH_PENDING_ORDERS'),
        ended_statuses=('FAILED', 'ABANDONED'),
    )
