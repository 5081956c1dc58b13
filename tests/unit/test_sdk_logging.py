"""wxc_sdk's own warnings (how it adapts its models) never reach the operator's terminal."""

import subprocess
import sys


def test_a_wxc_sdk_warning_is_not_printed_on_stderr():
    code = (
        'import logging, transformacion.core.client; '
        "logging.getLogger('wxc_sdk.base').warning('auto enhancing Enum CallingType, new value: hybridCalling')"
    )
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60, check=True)
    assert 'auto enhancing' not in done.stderr


def test_without_that_handler_python_would_print_it():
    code = "import logging; logging.getLogger('wxc_sdk.base').warning('auto enhancing Enum')"
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60, check=True)
    assert 'auto enhancing' in done.stderr
