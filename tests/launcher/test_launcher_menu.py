"""The v21 launcher's menu on a terminal: without --actions and with stdin a terminal, the launcher lists the
actions of the folder's datasets by letter, asks single or bulk (and the row), shows the files and actions and asks
for confirmation; on a pipe, or with --actions, it asks nothing."""

import io

import pytest

from tests.support.batches import location, write_folder


class Terminal(io.StringIO):
    """A stdin that says it is a terminal, with the operator's answers already typed."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def folder(tmp_path):
    return write_folder(
        tmp_path / 'in',
        ubicaciones=[
            location('Norte', phone_numbers='', routing_prefix='8201'),
            location('Sur', routing_prefix='8202'),
        ],
    )


def answering(monkeypatch, *answers: str) -> None:
    monkeypatch.setattr('sys.stdin', Terminal(''.join(f'{answer}\n' for answer in answers)))


def test_letters_bulk_and_confirmation_run_only_the_chosen_actions(launch, sandbox, folder, monkeypatch):
    answering(monkeypatch, 'a', '2', 's')

    run = launch('--input_dir', str(folder))

    assert run.code == 0, run.stderr
    assert 'a) alta_ubicacion' in run.stderr and 'b) habilitar_calling_ubicacion' in run.stderr
    assert 'ubicaciones.csv: 2 fila(s)' in run.stderr and 'acciones, en este orden: alta_ubicacion' in run.stderr
    assert (run.result['summary']['total'], run.result['summary']['by_status']['executed']) == (2, 2)
    assert {loc['name'] for loc in sandbox.org.locations.values()} >= {'Norte', 'Sur'}


def test_single_mode_runs_the_row_asked_for(launch, sandbox, folder, monkeypatch):
    answering(monkeypatch, 'a', '1', '2', 'si')

    run = launch('--input_dir', str(folder))

    assert run.code == 0, run.stderr
    assert 'modo: single, fila 2' in run.stderr
    names = {loc['name'] for loc in sandbox.org.locations.values()}
    assert 'Sur' in names and 'Norte' not in names


def test_a_wrong_letter_is_asked_again_and_no_at_the_confirmation_runs_nothing(launch, sandbox, folder, monkeypatch):
    answering(monkeypatch, 'z', 'a', '', 'n')

    run = launch('--input_dir', str(folder))

    assert run.code == 4, run.stderr
    assert 'letra no válida: z' in run.stderr
    assert 'cancelado por el operador' in run.result['result']['error']
    assert sandbox.journal() == []


def test_on_a_pipe_or_with_actions_nothing_is_asked(launch, sandbox, folder, monkeypatch):
    monkeypatch.setattr('sys.stdin', io.StringIO('a\n2\ns\n'))
    piped = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--dry-run')
    answering(monkeypatch, 'a', '2', 's')
    chosen = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--dry-run')

    assert piped.code == chosen.code == 0, piped.stderr
    assert 'Acciones [' not in piped.stderr + chosen.stderr
