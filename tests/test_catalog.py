"""The catalogue as a specification: every action declared, documented, light to start, and refusing when unfinished."""

import importlib
import importlib.util
import json
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import transformacion
from tests.support.files import ROOT
from tests.support.runs import TOKEN
from transformacion import __main__ as catalogue_cli
from transformacion.common import run_cli
from transformacion.core.catalog import ACTION_NAMES, action_module, actions, render_markdown
from transformacion.core.csvfiles import read_header
from transformacion.core.params import DATASETS, EN_DESARROLLO, READY, Action, Param
from transformacion.domain.export import EXPORTERS, NOT_EXPORTED


def test_every_planned_action_has_a_declaration_and_a_main():
    for name in ACTION_NAMES:
        module = action_module(name)
        assert module.ACTION.name == name
        assert module.ACTION.status in (READY, EN_DESARROLLO)
        assert module.__doc__ and module.ACTION.summary
        assert callable(module.main)
        if module.ACTION.ready:
            assert callable(getattr(module, name)), f'{name} is ready but has no domain function'


def console_scripts() -> dict[str, str]:
    """name -> ``module:function`` of every console script pyproject.toml declares."""
    return tomllib.loads((ROOT / 'pyproject.toml').read_text(encoding='utf-8'))['project']['scripts']


def dataset_modules() -> set[Path]:
    """The Python modules of the dataset folders (tests/ubicaciones, tests/usuarios, tests/workspaces), conftest.py
    files aside."""
    return {
        path for dataset in DATASETS for path in (ROOT / 'tests' / dataset).glob('*.py') if path.name != 'conftest.py'
    }


def test_every_action_has_its_console_script_declaration_export_decision_and_test_module():
    """A new action is one file plus its test (plus its sandbox routes): everything else is checked here."""
    scripts = console_scripts()
    for name in ACTION_NAMES:
        action = action_module(name).ACTION
        assert scripts.get(name) == f'transformacion.{name}:main', f'{name}: console script missing in pyproject.toml'
        assert (name in EXPORTERS) != (name in NOT_EXPORTED), f'{name}: in EXPORTERS or NOT_EXPORTED, exactly one'
        test_module = ROOT / 'tests' / action.domain / f'test_{name}.py'
        assert test_module.is_file(), f'{name}: its specification belongs in {test_module.relative_to(ROOT)}'


def test_nothing_is_registered_for_an_action_that_does_not_exist():
    modules = {info.name for info in pkgutil.iter_modules(transformacion.__path__) if not info.ispkg}
    declaring = {name for name in modules if hasattr(importlib.import_module(f'transformacion.{name}'), 'ACTION')}
    assert declaring == set(ACTION_NAMES), 'a module that declares an ACTION is an action of the catalogue'
    for script, target in console_scripts().items():
        module, _, function = target.partition(':')
        assert importlib.util.find_spec(module) is not None and function == 'main', f'{script} -> {target}'
        if module.count('.') == 1 and script in modules:
            assert module == f'transformacion.{script}', f'{script} -> {target}'
    assert set(EXPORTERS) | set(NOT_EXPORTED) <= set(ACTION_NAMES)
    expected = {ROOT / 'tests' / action_module(name).ACTION.domain / f'test_{name}.py' for name in ACTION_NAMES}
    assert dataset_modules() == expected, 'tests/<dataset>/ holds test_<accion>.py per action only'


def test_unknown_action_names_are_refused_with_the_list():
    with pytest.raises(KeyError, match='alta_ubicacion'):
        action_module('borrar_todo')


@pytest.mark.parametrize('fmt', ['table', 'json', 'markdown'])
def test_catalogue_lists_every_action_with_its_status(fmt, capsys):
    assert catalogue_cli.main(['--format', fmt]) == 0
    out = capsys.readouterr().out
    for action in actions():
        assert action.name in out
    if fmt == 'json':
        listed = json.loads(out)
        assert [item['name'] for item in listed] == list(ACTION_NAMES)
        assert all(item['status'] in (READY, EN_DESARROLLO) for item in listed)


def test_help_of_every_action_names_its_parameters_and_csv_columns(capsys):
    for action in actions():
        with pytest.raises(SystemExit) as stop:
            action_module(action.name).main(['--help'])
        assert stop.value.code == 0
        text = ' '.join(capsys.readouterr().out.split())
        for param in action.params:
            assert param.flag in text and f'columna CSV: {param.csv_column}' in text


def test_importing_an_action_does_not_import_the_sdk():
    code = (
        'import sys, importlib\n'
        f'for name in {list(ACTION_NAMES)!r}:\n'
        '    importlib.import_module("transformacion." + name)\n'
        'print(sorted(m for m in ("wxc_sdk", "requests", "pydantic") if m in sys.modules))\n'
    )
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]'


UNFINISHED = Action(
    name='demo_algo_futuro',
    domain='usuarios',
    summary='una acción que todavía no está terminada',
    status=EN_DESARROLLO,
    params=(Param('person', required=True, key=True, column='email'),),
)


def test_an_action_en_desarrollo_refuses_to_run_without_calling_the_api(sandbox, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv('WEBEX_BASE_URL', sandbox.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    monkeypatch.chdir(tmp_path)
    called = []
    code = run_cli(UNFINISHED, lambda *a: called.append(a), ['--person', 'ana@example.com', '--log-dir', str(tmp_path)])
    result = json.loads(capsys.readouterr().out)
    assert code == 2
    assert result['status'] == 'rejected'
    assert 'en desarrollo' in result['summary']['message']
    assert called == [] and sandbox.journal() == []


def test_readme_catalogue_is_generated_from_the_declarations():
    readme = (Path(__file__).parent.parent / 'README.md').read_text(encoding='utf-8')
    start, end = '<!-- catalogue:start -->\n', '\n<!-- catalogue:end -->'
    block = readme[readme.index(start) + len(start) : readme.index(end)]
    assert block == render_markdown(actions()), 'regenerate with: python -m transformacion --format markdown'


def test_ci_runs_the_readme_test_command():
    root = Path(__file__).parent.parent
    readme = (root / 'README.md').read_text(encoding='utf-8')
    command = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest"
    assert f'```bash\n{command}\n```' in readme
    assert command in (root / '.ci' / 'run').read_text(encoding='utf-8')


@pytest.mark.parametrize('dataset', ['ubicaciones', 'usuarios', 'workspaces'])
def test_sample_columns_are_declared_by_the_actions_of_their_dataset_and_every_action_has_a_sample(dataset):
    samples = Path(__file__).parent.parent / 'samples'
    own = [a for a in actions() if a.domain == dataset]
    declared = {p.csv_column for a in own for p in a.params}
    header = read_header(samples / f'{dataset}.csv')
    assert set(header) <= declared, set(header) - declared
    for action in own:
        own_columns = {p.csv_column for p in action.params if not p.key}
        assert not own_columns or own_columns & set(header), f'{action.name} has no column in samples/{dataset}.csv'
