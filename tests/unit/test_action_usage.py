"""An option an action does not accept is refused like any bad input: one result object on stdout, exit 2."""

import json

import pytest

from transformacion import configurar_pstn_ubicacion


def test_an_unknown_option_is_a_rejected_result_object_naming_the_help(capsys):
    code = configurar_pstn_ubicacion.main(['--name', 'Sede Central', '--pstn', 'TRK-MAD-01', '--token', 'secreto-123'])

    out = capsys.readouterr().out
    result = json.loads(out)
    assert (code, result['status']) == (2, 'rejected')
    assert 'opción no válida' in result['summary']['message'] and '--name' in result['summary']['message']
    assert '--help' in result['summary']['message']
    assert 'secreto-123' not in out, 'the argv echo masks the token'


def test_help_still_exits_zero(capsys):
    with pytest.raises(SystemExit) as exit_:
        configurar_pstn_ubicacion.main(['--help'])
    assert exit_.value.code == 0
    assert 'columna CSV' in capsys.readouterr().out
