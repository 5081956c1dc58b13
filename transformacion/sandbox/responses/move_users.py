"""HTTP layer of /telephony/config/jobs/person/moveLocation: validate or start a move-users job; list, status, errors
of the jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route, paginate
from ..state import move_users
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

PAGE_SIZE = 1000
PATH = '/telephony/config/jobs/person/moveLocation'


def validate_or_initiate(req: Request, org: Org) -> Response:
    body = from_wire(req.json_object())
    validated, answer = move_users.validate_or_start(
        org, body.get('users_list'), delay_s=req.config.move_users_job_ms / 1000
    )
    sdk_shape = req.config.move_users_answer == 'wxc_sdk'
    if validated:
        return Response(body={'response': {'usersList': to_wire(answer)} if sdk_shape else to_wire(answer)})
    return Response(status=201, body={'response': {'jobDetails': to_wire(answer)} if sdk_shape else to_wire(answer)})


def list_jobs(req: Request, org: Org) -> Response:
    page, headers = paginate(req, move_users.listing(org), default_max=PAGE_SIZE)
    return Response(body={'items': to_wire(page)}, headers=headers)


def job_status(req: Request, org: Org) -> Response:
    return Response(body=to_wire(move_users.view(org, move_users.get(org, req.params['job_id']))))


def job_errors(req: Request, org: Org) -> Response:
    page, headers = paginate(req, move_users.errors(org, req.params['job_id']), default_max=PAGE_SIZE)
    return Response(body={'items': to_wire(page)}, headers=headers)


ROUTES = [
    Route('POST', PATH, validate_or_initiate),
    Route('GET', PATH, list_jobs),
    Route('GET', f'{PATH}/(?P<job_id>[^/]+)/errors', job_errors),
    Route('GET', f'{PATH}/(?P<job_id>[^/]+)', job_status),
]
