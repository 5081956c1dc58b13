"""The one import point for action authors (as Ansible's ``module_utils.basic`` is for modules).

It keeps the LLD's names: ``load_runtime_env``, ``get_token``, ``create_api``, ``apply_csv_arguments``,
``_invoke_with_retry_after``, ``_params_for_script``, ``action_logger``; and re-exports what a domain function needs
(``Context``, ``Outcome``, ``PlannedCall``, ``Rejected``, ``converge``, ``diff``, ``action_main``). The code lives in
``transformacion.core``; see ARCHITECTURE.md.
"""

from __future__ import annotations

from transformacion.core.arguments import Origin, _params_for_script, apply_csv_arguments
from transformacion.core.cli import (
    DomainFunction,
    action_main,
    build_parser,
    execute,
    refuse_if_in_development,
    run_cli,
)
from transformacion.core.client import create_api, get_token, load_runtime_env
from transformacion.core.context import Context, PlannedCall, converge, diff
from transformacion.core.evidence import (
    ActionLog,
    action_logger,
    bind_log,
    current_log,
    log_dir_from,
    logging_to,
    new_run_id,
)
from transformacion.core.outcome import (
    EXIT_CODES,
    STATUSES,
    InvalidParams,
    Outcome,
    Problem,
    Rejected,
    result_object,
)
from transformacion.core.retry import (
    RetryAfterTooLong,
    RetryPolicy,
    _invoke_with_retry_after,
    backoff_delay,
    classify_error,
    describe_error,
    parse_retry_after,
    read_back,
)
from transformacion.core.secrets import MASK, mask_argv, mask_text, register_secret, sanitise

__all__ = [
    'EXIT_CODES',
    'MASK',
    'STATUSES',
    'ActionLog',
    'Context',
    'DomainFunction',
    'InvalidParams',
    'Origin',
    'Outcome',
    'PlannedCall',
    'Problem',
    'Rejected',
    'RetryAfterTooLong',
    'RetryPolicy',
    '_invoke_with_retry_after',
    '_params_for_script',
    'action_logger',
    'action_main',
    'apply_csv_arguments',
    'backoff_delay',
    'bind_log',
    'build_parser',
    'classify_error',
    'converge',
    'create_api',
    'current_log',
    'describe_error',
    'diff',
    'execute',
    'get_token',
    'load_runtime_env',
    'log_dir_from',
    'logging_to',
    'mask_argv',
    'mask_text',
    'new_run_id',
    'parse_retry_after',
    'read_back',
    'refuse_if_in_development',
    'register_secret',
    'result_object',
    'run_cli',
    'sanitise',
]
