"""HTTP layer of /telephony/config/jobs/updateRoutingPrefix: list, status and errors of routing-prefix jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route, paginate
from ..state import jobs
from ..wire import to_wire

if TYPE_CHECKING:
    from ..state.org import Org

PAGE_SIZE = 1000
PATH = '/telephony/config/jobs/updateRoutingPrefix'


def list_jobs(req: Request, org: Org) -> Response:
    page, headers = paginate(req, jobs.listing(org), default_max=PAGE_SIZE)
    return Response(body={'items': to_wire(page)}, headers=headers)


def job_status(req: Request, org: Org) -> Response:
    return Response(body=to_wire(jobs.view(org, jobs.get(org, req.params['job_id']))))


def job_errors(req: Request, org: Org) -> Response:
    page, headers = paginate(req, jobs.errors(org, req.params['job_id']), default_max=PAGE_SIZE)
    return Response(body={'items': to_wire(page)}, headers=headers)


ROUTES = [
    Route('GET', PATH, list_jobs),
    Route('GET', f'{PATH}/(?P<job_id>[^/]+)/errors', job_errors),
    Route('GET', f'{PATH}/(?P<job_id>[^/]+)', job_status),
]
