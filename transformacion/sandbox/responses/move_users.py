"""HTTP layer of /telephony/config/jobs/person/moveLocation: validate or start a move-users job; list, status, errors
of the jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route
from ..state import move_users
from ..wire import from_wire, to_wire
from .jobs import job_routes

if TYPE_CHECKING:
    from ..state.org import Org

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


ROUTES = [Route('POST', PATH, validate_or_initiate), *job_routes(PATH, move_users)]
