"""Move Users jobs (``/v1/telephony/config/jobs/person/moveLocation``): a Webex Calling user changes location
through an admin batch job, after an optional validation that lists the move's errors and impacts.

``POST`` with ``validate: true`` (one user only) answers ``200 {response: [{userId, impacts, errors}]}`` and changes
nothing; with ``validate: false`` it starts a job and answers ``201 {response: <job>}``. The job ends
``move_users_job_ms`` later (lazily, in :func:`settle`, like the routing-prefix jobs): the user's location, extension
and number change then, after the same checks run again (a user whose move no longer passes them is counted
``failed`` and the job ends ``COMPLETED_WITH_ERRORS``, with one error item).

Request-level problems answer 400 with the body the spec's example shows, ``{"error": [{code, message}]}``, and the
documented codes (1026010 not a calling user, 1026013 same location, 1026017 not E.164, 1026018 over 100 users,
1026019 duplicate user, 1026020 validate with several users, 1026021 location id missing, 2150012 user not found).
The validation errors are the documented ones the sandbox can tell: 4152 target location not found or not enabled
for Webex Calling, 4202 extension taken in the target location, 27966 the new number not in the target location's
inventory (or held by someone else), 10010003 target location without PSTN connection when the number moves,
10050010 an on-premises (Local Gateway / non-integrated CCP) number that would move; impacts: 19713 never (the
sandbox refuses a taken extension instead), 19717 when the user's number moves with it, 19716 always (voice
messages stay behind).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import BadRequest, NotFound
from . import numbers, people, pstn
from .jobs import job_view

if TYPE_CHECKING:
    from .org import Org

JOB_NAME = 'moveusers'
STEP_NAME = 'moveusersvalidateAndMove'
MAX_USERS = 100
ON_PREMISES = ('LOCAL_GATEWAY', 'NON_INTEGRATED_CCP')
_E164 = re.compile(r'^\+[1-9]\d{6,14}$')


class MoveUsersJob(TypedDict, total=False):
    id: str
    #: ``[{user_id, location_id, extension?, phone_number?}]``: one planned move per user (extension / phone_number
    #: only when the request gave them)
    moves: list[dict[str, Any]]
    #: STARTED until ``ends_at`` (epoch seconds), then COMPLETED or COMPLETED_WITH_ERRORS
    status: str
    created: float
    ends_at: float
    ended: float | None
    tracking_id: str
    moved: int
    failed: int
    errors: list[dict[str, Any]]


class MoveRequestError(BadRequest):
    """400 with the body of the spec's example: ``{"error": [{"code", "message"}]}``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message, error_code=code, body={'error': [{'code': code, 'message': message}]})


def _requests(org: Org, users_list: Any) -> list[tuple[dict[str, Any], bool]]:
    """``[(move, validate)]`` from a ``usersList``, every request-level rule checked first."""
    if not isinstance(users_list, list) or not users_list:
        raise MoveRequestError(1026011, 'Users list should not be empty.')
    moves: list[tuple[dict[str, Any], bool]] = []
    for entry in users_list:
        entry = entry if isinstance(entry, dict) else {}
        if not entry.get('location_id'):
            raise MoveRequestError(1026021, 'Attribute location id is required for Calling user.')
        if not isinstance(entry.get('validate'), bool):
            raise MoveRequestError(1026006, "Attribute 'Validate' is required.")
        users = entry.get('users')
        if not isinstance(users, list) or not users:
            raise MoveRequestError(1026012, 'Users should not be empty.')
        if entry['validate'] and len(users) > 1:
            raise MoveRequestError(1026020, "Validate 'true' is supported only for single user.")
        for user in users:
            user = user if isinstance(user, dict) else {}
            if not user.get('user_id'):
                raise MoveRequestError(1026006, "Attribute 'User ID' is required.")
            move = {'user_id': user['user_id'], 'location_id': entry['location_id']}
            move.update({key: user[key] for key in ('extension', 'phone_number') if user.get(key)})
            moves.append((move, entry['validate']))
    if len(moves) > MAX_USERS:
        raise MoveRequestError(1026018, 'Selected Users list exceeds the maximum limit.')
    seen: set[str] = set()
    for move, _ in moves:
        if move['user_id'] in seen:
            raise MoveRequestError(1026019, 'Duplicate entry for user is not allowed.')
        seen.add(move['user_id'])
        _check_user(org, move)
    return moves


def _check_user(org: Org, move: dict[str, Any]) -> None:
    record = org.people.get(move['user_id'])
    if record is None:
        raise MoveRequestError(2150012, 'User was not found')
    if not people.is_calling_user(org, record) or not record.get('location_id'):
        raise MoveRequestError(1026010, 'User is not a valid Calling User.')
    if record['location_id'] == move['location_id']:
        raise MoveRequestError(1026013, 'The source and the target location cannot be the same.')
    number = move.get('phone_number')
    if number and not _E164.match(number):
        raise MoveRequestError(1026017, 'Phone number is not in e164 format.')


def _item(code: int, message: str, kind: str = 'Error') -> dict[str, Any]:
    return {'code': code, 'message': f'[{kind} {code}] {message}'}


def problems(org: Org, move: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(errors, impacts)`` of one user's move, as the validation lists them (see the module docstring)."""
    record = org.people[move['user_id']]
    target = move['location_id']
    errors: list[dict[str, Any]] = []
    impacts = [_item(19716, 'Previously stored voice messages of the user are no longer available.', 'Informational')]
    if target not in org.calling_locations:
        return [_item(4152, 'Location Not Found')], impacts
    extension = move.get('extension') or record.get('extension')
    holder = numbers.extension_owner(org, target, extension) if extension else None
    if holder is not None and holder['id'] != record['id']:
        errors.append(_item(4202, f'The extension is not available. It is already assigned to a user : {extension}'))
    new_number = move.get('phone_number')
    if new_number:
        entry = org.numbers.get(new_number)
        owner = (entry or {}).get('owner') or {}
        if entry is None or entry.get('location_id') != target or owner.get('id') not in (None, record['id']):
            errors.append(_item(27966, f'The phone number, {new_number}, is not available in the new group.'))
    else:
        current = people.calling_number(org, record)
        if current:
            if pstn.connection_type(org, record['location_id']) in ON_PREMISES:
                errors.append(
                    _item(
                        10050010,
                        'Moving On Premises or Non Integrated CCP numbers from one location to another is not '
                        'supported.',
                    )
                )
            elif pstn.connection_type(org, target) is None:
                errors.append(_item(10010003, 'to-location must have a carrier'))
            else:
                impacts.append(
                    _item(
                        19717,
                        f'The primary number, alternate numbers or fax messaging number of the user are assigned '
                        f'to the new group: {current}.',
                        'Informational',
                    )
                )
    return errors, impacts


def validate_or_start(org: Org, users_list: Any, *, delay_s: float) -> tuple[bool, Any]:
    """``(True, [{user_id, impacts, errors}])`` for a validation, ``(False, job view)`` for a started job."""
    requests = _requests(org, users_list)
    if all(validate for _, validate in requests):
        answers = []
        for move, _ in requests:
            errors, impacts = problems(org, move)
            answers.append({'user_id': move['user_id'], 'impacts': impacts, 'errors': errors})
        return True, answers
    now = time.time()
    job_id = org.new_id('JOB_ID')
    org.move_users_jobs[job_id] = {
        'id': job_id,
        'moves': [move for move, validate in requests if not validate],
        'status': 'STARTED',
        'created': now,
        'ends_at': now + delay_s,
        'ended': None,
        'tracking_id': f'SANDBOX_{uuid.UUID(int=org.rng.getrandbits(128), version=4)}',
        'moved': 0,
        'failed': 0,
        'errors': [],
    }
    return False, started_view(org, org.move_users_jobs[job_id])


def _apply(org: Org, move: dict[str, Any]) -> None:
    record = org.people[move['user_id']]
    current = people.calling_number(org, record)
    extension = move.get('extension') or record.get('extension')
    number = move.get('phone_number')
    if number is None and current:
        org.numbers[current]['location_id'] = move['location_id']
        number = current
    people.CallingChange(move['location_id'], extension, number).commit(org, record)


def settle(org: Org, now: float | None = None) -> None:
    """End every running move job whose time has come: each move whose checks still pass is applied."""
    now = time.time() if now is None else now
    for job in org.move_users_jobs.values():
        if job['status'] != 'STARTED' or job['ends_at'] > now:
            continue
        for index, move in enumerate(job['moves']):
            record = org.people.get(move['user_id'])
            errors = problems(org, move)[0] if record is not None else [_item(4003, 'User Not Found')]
            if errors:
                job['failed'] += 1
                job['errors'].append(
                    {
                        'item_number': index,
                        'error': {'key': str(errors[0]['code']), 'message': [{'description': errors[0]['message']}]},
                        'tracking_id': f'{job["tracking_id"]}_{index}',
                    }
                )
            else:
                _apply(org, move)
                job['moved'] += 1
        job['status'] = 'COMPLETED_WITH_ERRORS' if job['failed'] else 'COMPLETED'
        job['ended'] = job['ends_at']


def get(org: Org, job_id: str) -> MoveUsersJob:
    """A job by id; 404 when unknown."""
    job = org.move_users_jobs.get(job_id)
    if job is None:
        raise NotFound('Job not found.')
    return job


def view(org: Org, job: MoveUsersJob, now: float | None = None) -> dict[str, Any]:
    """A job as the spec's ``JobDetailsResponseById`` (snake_case): one execution with one step, the move counts."""
    running = job['status'] == 'STARTED'
    total = len(job['moves'])
    return job_view(
        org,
        job,
        name=JOB_NAME,
        step_name=STEP_NAME,
        status='STARTED' if running else 'COMPLETED',
        exit_code='UNKNOWN' if running else job['status'],
        counts={'total_moves': total, 'moved': job['moved'], 'failed': job['failed'], 'pending': 0, 'skipped': 0},
        now=time.time() if now is None else now,
    )


def started_view(org: Org, job: MoveUsersJob) -> dict[str, Any]:
    """A just-started job as the POST answers it (spec ``StartJobResponseObject``): its execution without steps."""
    answer = view(org, job)
    answer['job_execution_status'] = [
        {key: value for key, value in execution.items() if key not in ('step_execution_statuses', 'end_time')}
        for execution in answer['job_execution_status']
    ]
    return answer


def listing(org: Org) -> list[dict[str, Any]]:
    """Every move job of the org, newest first, as the spec's ``JobDetailsResponse`` (its schema and its example
    leave out ``name``)."""
    jobs = sorted(org.move_users_jobs.values(), key=lambda job: job['created'], reverse=True)
    return [{key: value for key, value in view(org, job).items() if key != 'name'} for job in jobs]


def errors(org: Org, job_id: str) -> list[dict[str, Any]]:
    """The errors of a job (``JobErrorItem`` shape); 404 for an unknown job."""
    return list(get(org, job_id)['errors'])
