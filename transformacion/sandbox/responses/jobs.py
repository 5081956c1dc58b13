"""HTTP layer of /telephony/config/jobs/updateRoutingPrefix: list, status and errors of routing-prefix jobs."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from ..routing import Request, Response, Route, paginate
from ..state import jobs
from ..wire import to_wire

if TYPE_CHECKING:
    from ..state.org import Org

PAGE_SIZE = 1000
PATH = '/telephony/config/jobs/updateRoutingPrefix'


def job_routes(path: str, kind: ModuleType) -> list[Route]:
    """The read routes of one kind of admin batch job under ``path`` (its list, one job, one job's errors, paged by
    ``PAGE_SIZE``) over its state module ``kind`` (``listing``, ``get``, ``view``, ``errors``)."""

    def list_jobs(req: Request, org: Org) -> Response:
        page, headers = paginate(req, kind.listing(org), default_max=PAGE_SIZE)
        return Response(body={'items': to_wire(page)}, headers=headers)

    def job_status(req: Request, org: Org) -> Response:
        return Response(body=to_wire(kind.view(org, kind.get(org, req.params['job_id']))))

    def job_errors(req: Request, org: Org) -> Response:
        page, headers = paginate(req, kind.errors(org, req.params['job_id']), default_max=PAGE_SIZE)
        return Response(body={'items': to_wire(page)}, headers=headers)

    return [
        Route('GET', path, list_jobs),
        Route('GET', f'{path}/(?P<job_id>[^/]+)/errors', job_errors),
        Route('GET', f'{path}/(?P<job_id>[^/]+)', job_status),
    ]


ROUTES = job_routes(PATH, jobs)
