"""The plan of a dry-run (plan.json, plan.csv, the plan table, --plan-out) and the refusals of --apply before any
write: a plan for another organisation, inputs changed since planning, an unknown format, an incomplete plan."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.support.batches import GLOBAL, location, write_folder
from tests.support.files import read_csv
from tests.support.org import ADMIN, JORGE, LUCIA, ORG_ID
from tests.support.runs import TOKEN
from transformacion import bulk_runner
from transformacion.batch.target import LOCAL_SANDBOX

FORWARDING = 'configurar_desvio_usuario'
PERMISSIONS = 'configurar_permisos_salientes_usuario'


def _folder(tmp_path: Path) -> Path:
    """A new location, a change of Lucía's forwarding and of her outgoing permissions (high impact)."""
    return write_folder(
        tmp_path / 'lote',
        ubicaciones=[location('Zaragoza Plan')],
        usuarios=[{'email': LUCIA, 'forward_busy': '1002', 'outgoing_permissions': 'PREMIUM_SERVICES_I:ALLOW'}],
    )


def _entry(document: dict, action: str, row: int = 1) -> dict:
    [found] = [entry for entry in document['pairs'] if entry['action'] == action and entry['row'] == row]
    return found


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_dry_run_writes_plan_json_with_values_calls_and_fingerprints(launch, sandbox, tmp_path):
    folder = _folder(tmp_path)

    run = launch('--input_dir', str(folder), '--dry-run')

    assert run.code == 0, run.stderr
    document = json.loads((run.run_dir / 'plan.json').read_text(encoding='utf-8'))
    assert run.result['result']['plan_file'] == str(run.run_dir / 'plan.json')
    assert document['format'] == 'transformacion.plan/1' and document['complete'] is True
    assert document['run_id'] == run.run_dir.name
    assert (document['target']['org_id'], document['target']['org_name']) == (ORG_ID, 'Transformacion Demo S.A.')
    assert document['operator']['webex_user'] == ADMIN
    assert {item['dataset']: item['sha256'] for item in document['inputs']} == {
        name: _sha256(folder / f'{name}.csv') for name in ('global', 'ubicaciones', 'usuarios')
    }

    forwarding = _entry(document, FORWARDING)
    assert (forwarding['kind'], forwarding['status'], forwarding['entity']) == ('update', 'dry_run', LUCIA)
    assert forwarding['guard'] is True
    assert forwarding['before']['busy_enabled'] is False and forwarding['before']['busy_destination'] is None
    assert forwarding['desired'] == {'busy_enabled': True, 'busy_destination': '1002'}
    assert forwarding['diff']['busy_destination'] == {'before': None, 'after': '1002'}
    [call] = forwarding['calls']
    assert call['method'] == 'PUT' and call['path'].endswith('/features/callForwarding')
    assert forwarding['params']['forward_busy'] == '1002'
    merged = {**GLOBAL, 'email': LUCIA, 'forward_busy': '1002', 'outgoing_permissions': 'PREMIUM_SERVICES_I:ALLOW'}
    canonical = json.dumps(merged, sort_keys=True, ensure_ascii=False, separators=(',', ':'))
    assert forwarding['input_hash'] == hashlib.sha256(canonical.encode('utf-8')).hexdigest()

    permissions = _entry(document, PERMISSIONS)
    assert (permissions['high_impact'], permissions['needs_confirmation']) == (True, True)
    assert permissions['diff']['PREMIUM_SERVICES_I']['after'] == {'action': 'ALLOW', 'transfer_enabled': False}

    created = _entry(document, 'alta_ubicacion')
    assert (created['kind'], created['before'], created['guard']) == ('create', None, True)
    assert [call['path'] for call in created['calls']] == ['/locations', '/telephony/config/locations']

    assert _entry(document, 'alta_usuario')['kind'] == 'none'
    assert {entry['kind'] for entry in document['pairs']} <= {'create', 'update', 'none'}


def test_plan_json_is_one_indented_object_with_every_pair_once_in_run_order(launch, sandbox, tmp_path):
    folder = write_folder(
        tmp_path / 'lote',
        ubicaciones=[location('Zaragoza Plan'), location('Huesca Plan')],
        usuarios=[
            {'email': LUCIA, 'forward_busy': '1002', 'outgoing_permissions': 'PREMIUM_SERVICES_I:ALLOW'},
            {'email': JORGE, 'forward_busy': '1003'},
        ],
    )

    run = launch('--input_dir', str(folder), '--dry-run')

    text = (run.run_dir / 'plan.json').read_text(encoding='utf-8')
    document = json.loads(text)
    assert text == json.dumps(document, ensure_ascii=False, indent=2) + '\n'
    assert list(document)[-1] == 'pairs'
    order = [
        (entry['phase'], entry['dataset'], entry['row'], document['actions'].index(entry['action']))
        for entry in document['pairs']
    ]
    assert order == sorted(order) and len(set(order)) == len(order)
    _, results = read_csv(run.run_dir / 'results_manual.csv')
    assert {(e['dataset'], e['row'], e['action']) for e in document['pairs']} == {
        (line['dataset'], int(line['row']), line['action']) for line in results
    }
    counted: dict[str, dict[str, int]] = {}
    for entry in document['pairs']:
        line = counted.setdefault(entry['action'], dict.fromkeys(document['counts'][entry['action']], 0))
        line[entry['kind']] += 1
        line['needs_yes'] += entry['needs_confirmation']
    assert document['counts'] == counted and document['complete'] is True


def test_plan_csv_has_one_line_per_changed_field_for_a_spreadsheet(launch, sandbox, tmp_path):
    run = launch('--input_dir', str(_folder(tmp_path)), '--dry-run')

    raw = (run.run_dir / 'plan.csv').read_bytes()
    assert raw.startswith(b'\xef\xbb\xbf') and raw.splitlines()[0].count(b';') == 7
    header, lines = read_csv(run.run_dir / 'plan.csv')
    assert header == ['dataset', 'row', 'entity', 'action', 'field', 'before', 'after', 'kind']
    forwarding = {line['field']: line for line in lines if line['action'] == FORWARDING}
    assert set(forwarding) == {'busy_enabled', 'busy_destination'}
    assert (forwarding['busy_destination']['before'], forwarding['busy_destination']['after']) == ('', '1002')
    assert (forwarding['busy_enabled']['entity'], forwarding['busy_enabled']['kind']) == (LUCIA, 'update')
    location_fields = {line['field']: line['after'] for line in lines if line['action'] == 'alta_ubicacion'}
    assert location_fields['postal_code'] == '28001' and location_fields['calling_enabled'] == 'true'
    assert not [line for line in lines if line['action'] == 'alta_usuario'], 'no line for a pair without change'


def test_the_dry_run_prints_the_plan_table_per_action(launch, sandbox, tmp_path):
    run = launch('--input_dir', str(_folder(tmp_path)), '--dry-run')

    table = run.stderr[run.stderr.index('\nplan ') + 1 :].splitlines()
    assert table[0].split() == ['plan', 'crear', 'modificar', 'sin_cambios', 'rechazado', 'bloqueado', 'requiere_yes']
    rows = {line.split()[0]: line.split()[1:] for line in table[1:] if line and not line.startswith('plan')}
    assert rows['alta_ubicacion'] == ['1', '0', '0', '0', '0', '0']
    assert rows[FORWARDING] == ['0', '1', '0', '0', '0', '0']
    assert rows[PERMISSIONS] == ['0', '1', '0', '0', '0', '1']
    assert rows['TOTAL'][0] == '1'


def test_plan_out_saves_the_plan_and_its_csv_where_asked(launch, sandbox, tmp_path):
    out = tmp_path / 'revision' / 'cambio-42.json'

    run = launch('--input_dir', str(_folder(tmp_path)), '--dry-run', '--plan-out', str(out))

    assert run.result['result']['plan_out'] == str(out)
    assert out.read_bytes() == (run.run_dir / 'plan.json').read_bytes()
    assert out.with_suffix('.csv').read_bytes() == (run.run_dir / 'plan.csv').read_bytes()


def test_the_bulk_runner_plans_and_applies_one_action(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'lote', usuarios=[{'email': JORGE, 'forward_busy': '1001'}])
    out = tmp_path / 'plan.json'

    planned = launch(
        '--action', FORWARDING, '--csv', str(folder / 'usuarios.csv'), '--dry-run', '--plan-out', str(out),
        main=bulk_runner.main,
    )  # fmt: skip
    applied = launch('--apply', str(out), main=bulk_runner.main)

    assert planned.code == 0 and json.loads(out.read_text())['script'] == 'bulk_runner'
    assert applied.code == 0, applied.stderr
    assert [(r['status'], r['category']) for r in read_csv(applied.run_dir / 'results_manual.csv')[1]] == [
        ('executed', 'aplicado')
    ]
    assert sandbox.org.call_forwarding.get(_person_id(sandbox, JORGE))['call_forwarding']['busy']['destination'] == (
        '1001'
    )


def _person_id(sandbox, email: str) -> str:
    return next(pid for pid, person in sandbox.org.people.items() if email in person['emails'])


# --------------------------------------------------------------------------- refused before any write


@pytest.fixture
def planned(launch, sandbox, tmp_path) -> tuple[Path, Path]:
    """(the plan saved with --plan-out, the input folder) of the dry-run of ``_folder``."""
    folder = _folder(tmp_path)
    out = tmp_path / 'plan.json'
    run = launch('--input_dir', str(folder), '--dry-run', '--plan-out', str(out))
    assert run.code == 0, run.stderr
    return out, folder


def _refused(launch, sandbox, plan: Path) -> str:
    before = len(sandbox.writes())
    run = launch('--apply', str(plan), '--yes')
    assert run.code == 4, run.stderr
    assert len(sandbox.writes()) == before, 'nothing written'
    return run.result['summary']['message']


def _edit(plan: Path, change) -> None:
    document = json.loads(plan.read_text(encoding='utf-8'))
    change(document)
    plan.write_text(json.dumps(document), encoding='utf-8')


def test_a_plan_made_for_another_organisation_is_refused(launch, sandbox, planned):
    plan, _ = planned
    other = 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8wMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDE'
    _edit(plan, lambda document: document['target'].update(org_id=other, org_name='Otra S.A.'))

    message = _refused(launch, sandbox, plan)

    assert f'el plan {plan} es de otro destino' in message and 'Otra S.A.' in message


def test_a_plan_made_with_sandbox_is_refused_by_the_next_sandbox_saying_how_to_plan_and_apply_against_one(
    launch, sandbox, tmp_path
):
    folder, plan = _folder(tmp_path), tmp_path / 'cambio.json'
    assert launch('--input_dir', str(folder), '--dry-run', '--plan-out', str(plan), '--sandbox').code == 0

    refused = launch('--apply', str(plan), '--sandbox')  # each --sandbox is a new sandbox: another port, another org

    assert refused.code == 4, refused.stderr
    message = refused.result['summary']['message']
    assert f'el plan {plan} es de otro destino' in message and 'URL base: la ejecución usa http://127.0.0.1:' in message
    assert f'los dos destinos son sandbox locales: {LOCAL_SANDBOX}' in message
    assert 'python -m transformacion.sandbox --port 8765' in message
    # what it says: one sandbox for both commands (here the test's, on its own port), by --base-url and --token
    one = ('--base-url', sandbox.base_url, '--token', TOKEN)
    planned = launch('--input_dir', str(folder), '--dry-run', '--plan-out', str(plan), *one)
    applied = launch('--apply', str(plan), '--yes', *one)
    assert (planned.code, applied.code, applied.status) == (0, 0, 'executed'), applied.stderr


def test_a_plan_made_for_another_real_org_gets_no_sandbox_advice(launch, sandbox, planned):
    plan, _ = planned
    _edit(plan, lambda document: document['target'].update(base_url='https://webexapis.com/v1'))

    message = _refused(launch, sandbox, plan)

    assert 'URL base: la ejecución usa https://webexapis.com/v1' in message and 'sandbox' not in message


def test_a_plan_whose_inputs_changed_is_refused(launch, sandbox, planned):
    plan, folder = planned
    usuarios = folder / 'usuarios.csv'
    usuarios.write_text(usuarios.read_text(encoding='utf-8').replace('1002', '1003'), encoding='utf-8')

    message = _refused(launch, sandbox, plan)

    assert f'la entrada {usuarios} cambió desde que se planificó' in message


def test_a_plan_of_an_unknown_format_is_refused(launch, sandbox, planned):
    plan, _ = planned
    _edit(plan, lambda document: document.update(format='transformacion.plan/99'))

    assert 'formato de plan desconocido' in _refused(launch, sandbox, plan)


def test_the_plan_of_a_batch_rejected_by_its_validation_cannot_be_applied(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'lote', ubicaciones=[{'name': 'Sin Dirección'}])
    out = tmp_path / 'plan.json'
    run = launch('--input_dir', str(folder), '--dry-run', '--plan-out', str(out))
    assert run.code == 2

    assert 'rechazada por la validación' in _refused(launch, sandbox, out)


def test_a_single_actions_dry_run_saves_its_plan_for_review(cli, launch, sandbox, tmp_path):
    out = tmp_path / 'desvio.json'

    run = cli(
        'configurar_desvio_usuario', '--person', LUCIA, '--forward-busy', '1002', '--dry-run', '--plan-out', str(out)
    )

    assert (run.code, run.status, run.summary['plan_out']) == (0, 'dry_run', str(out))
    document = json.loads(out.read_text(encoding='utf-8'))
    assert (document['format'], document['script'], document['actions']) == (
        'transformacion.plan/1',
        FORWARDING,
        [FORWARDING],
    )
    [entry] = document['pairs']
    assert (entry['kind'], entry['entity'], entry['category']) == ('update', LUCIA, 'simulado')
    assert entry['diff'] == run.result['result']['diff'] and entry['calls'] == run.result['result']['calls']
    assert (
        entry['input_hash']
        == hashlib.sha256(
            json.dumps({'email': LUCIA, 'forward_busy': '1002'}, sort_keys=True, separators=(',', ':')).encode()
        ).hexdigest()
    )
    [line] = [line for line in read_csv(out.with_suffix('.csv'))[1] if line['field'] == 'busy_destination']
    assert (line['before'], line['after']) == ('', '1002')
    assert 'planifique con el lanzador' in _refused(launch, sandbox, out)


def test_plan_out_without_dry_run_is_refused_by_a_single_action(cli, sandbox, tmp_path):
    run = cli(
        'configurar_desvio_usuario', '--person', LUCIA, '--forward-busy', '1002', '--plan-out', str(tmp_path / 'p')
    )

    assert (run.code, run.status) == (2, 'rejected') and '--plan-out solo se usa con --dry-run' in run.summary[
        'message'
    ]
    assert sandbox.writes() == []


def test_plan_out_without_dry_run_is_refused_by_the_launcher(launch, sandbox, tmp_path):
    run = launch('--input_dir', str(_folder(tmp_path)), '--plan-out', str(tmp_path / 'plan.json'))

    assert run.code == 4 and '--plan-out solo se usa con --dry-run' in run.result['summary']['message']
    assert sandbox.writes() == []


def test_apply_with_dry_run_shows_what_the_plan_would_do_now_and_writes_nothing(launch, sandbox, planned):
    plan, _ = planned
    before = len(sandbox.writes())

    run = launch('--apply', str(plan), '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.stderr
    assert len(sandbox.writes()) == before
    document = json.loads((run.run_dir / 'plan.json').read_text(encoding='utf-8'))
    assert {entry['action']: entry['kind'] for entry in document['pairs']} == {
        'alta_ubicacion': 'create',
        FORWARDING: 'update',
        PERMISSIONS: 'update',
    }
