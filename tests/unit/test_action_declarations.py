"""Meta-specification over the catalogue: what an action can do is what it declares (high impact, what it asks for)."""

import inspect
import sys
from types import ModuleType

import pytest

from transformacion.core.catalog import action_module, actions
from transformacion.core.context import Context, NotHighImpact
from transformacion.core.evidence import action_logger

#: a value for each key parameter, enough for an action to be refused before any call
KEYS = {
    'person': 'lucia.martin@transformacion-demo.example.com',
    'email': 'lucia.martin@transformacion-demo.example.com',
    'location': 'Sede Central',
    'workspace': 'Recepción',
    'name': 'Recepción',
}
#: read-only: it reports whatever it is asked, nothing to change
REPORTS = ('precheck_workspace',)


def sources(module: ModuleType) -> str:
    """The source of an action module and of the domain modules it uses."""
    used = {module}
    for value in vars(module).values():
        owner = value if isinstance(value, ModuleType) else sys.modules.get(getattr(value, '__module__', '') or '')
        if owner is not None and owner.__name__.startswith('transformacion.domain'):
            used.add(owner)
    return '\n'.join(inspect.getsource(item) for item in used)


@pytest.mark.parametrize('action', actions(), ids=lambda a: a.name)
def test_an_action_that_can_ask_for_yes_is_declared_high_impact(action):
    text = sources(action_module(action.name))
    asks = '.confirm(' in text or 'confirm_if=' in text or any('--yes' in p.help for p in action.params)
    assert not asks or action.high_impact, f'{action.name} pide --yes: declárela Action(high_impact=True)'


@pytest.mark.parametrize('action', [a for a in actions() if not a.high_impact], ids=lambda a: a.name)
def test_an_action_not_declared_high_impact_cannot_ask(action, tmp_path):
    ctx = Context(log=action_logger(action.name, log_dir=tmp_path), action=action, assume_yes=True)
    with pytest.raises(NotHighImpact, match=action.name):
        ctx.confirm('cambio', {}, {})


@pytest.mark.parametrize('action', [a for a in actions() if a.name not in REPORTS], ids=lambda a: a.name)
def test_asking_for_nothing_is_rejected_before_any_call(action, cli, sandbox):
    keys = [arg for p in action.params if p.required and p.key for arg in (p.flag, KEYS[p.name])]

    run = cli(action.name, *keys)

    assert (run.code, run.status) == (2, 'rejected'), run.result
    assert sandbox.journal() == []
