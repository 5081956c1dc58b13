"""The confirmation of a high-impact change is asked on the terminal, never on stdout: with ``> result.json`` the
operator sees the question, and the file holds only the result object."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys

from tests.support.runs import TOKEN

QUESTION = '¿Aplicar el cambio? [s/N]'


def test_the_question_goes_to_the_terminal_and_stdout_keeps_only_the_result_object(sandbox, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(('WEBEX_', 'TRANSFORMACION_'))}
    env |= {'WEBEX_ACCESS_TOKEN': TOKEN, 'WEBEX_BASE_URL': sandbox.base_url, 'TRANSFORMACION_LOG_DIR': str(tmp_path)}
    master, terminal = pty.openpty()
    result_file = tmp_path / 'result.json'
    with result_file.open('w', encoding='utf-8') as stdout:  # python -m ... > result.json
        process = subprocess.Popen(
            [
                sys.executable,
                '-m',
                'transformacion.configurar_pstn_ubicacion',
                '--location',
                'Sede Central',
                '--pstn',
                'RG-ESPANA',
            ],
            env=env,
            cwd=tmp_path,
            stdin=terminal,
            stdout=stdout,
            stderr=terminal,
        )
    os.close(terminal)
    shown = b''
    while QUESTION.encode() not in shown:
        # a question asked elsewhere (stdout) leaves the process waiting for an answer: fail instead of hanging
        if not select.select([master], [], [], 60)[0]:
            process.kill()
            raise AssertionError(f'la pregunta no llegó al terminal: {shown.decode(errors="replace")}')
        chunk = os.read(master, 4096)
        assert chunk, f'el proceso terminó sin preguntar: {shown.decode(errors="replace")}'
        shown += chunk
    os.write(master, b's\n')
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)

    assert process.wait(timeout=60) == 0
    text = result_file.read_text(encoding='utf-8')
    assert text.startswith('{')
    document = json.loads(text)
    assert (document['script_name'], document['status']) == ('configurar_pstn_ubicacion', 'executed')
    assert QUESTION not in text
    assert 'actual:' in shown.decode('utf-8') and 'deseado:' in shown.decode('utf-8')
