#!/usr/bin/env bash
# Run the test suite against one pinned wxc_sdk version, in a throw-away virtual environment.
#
#   .ci/sdk_matrix.sh PYTHON WXC_SDK_VERSION [extra pytest args...]
#   e.g. .ci/sdk_matrix.sh python3 1.27.1
#
# PYTHON is the interpreter the venv is made from (python3, or a venv's bin/python). The venv lives in a temp
# dir removed on exit, so nothing is left in the repo. pip resolves the project, its test extra and
# wxc_sdk==VERSION together; the script checks that VERSION is the one installed, then runs
# `python -m pytest -q tests` (benchmarks/ is not a test path; tests marked `benchmark`, if any, are deselected).
# pytest's summary line is the last line printed. The exit status is pytest's (non-zero on any failure,
# 5 when no test ran) or 1 when the environment cannot be built.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 PYTHON WXC_SDK_VERSION [extra pytest args...]" >&2
    exit 2
fi
python_bin=$1
version=$2
shift 2

cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/sdk-matrix-${version}.XXXXXX")
trap 'rm -rf "$work"' EXIT
venv="$work/venv"

echo "sdk_matrix: wxc_sdk==$version with $("$python_bin" --version 2>&1) in $venv"
"$python_bin" -m venv "$venv"
if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]' "wxc_sdk==$version" \
    >"$work/pip.log" 2>&1; then
    cat "$work/pip.log" >&2
    echo "sdk_matrix: could not install the project with wxc_sdk==$version" >&2
    exit 1
fi

installed=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("wxc_sdk"))')
pydantic=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pydantic"))')
if [ "$installed" != "$version" ]; then
    echo "sdk_matrix: asked for wxc_sdk $version, pip installed $installed" >&2
    exit 1
fi
echo "sdk_matrix: installed wxc_sdk $installed, pydantic $pydantic; running the tests"

# -o addopts= and one -q: pyproject's addopts already holds -q, and -qq would hide the summary line.
status=0
"$venv/bin/python" -m pytest -o addopts= -q -p no:cacheprovider -m 'not benchmark' tests "$@" || status=$?
exit "$status"
