"""Desvío de llamadas de un workspace.

En desarrollo: declarada en el catálogo, todavía no ejecutable.
"""

from transformacion.common import action_main
from transformacion.params import EN_DESARROLLO, Action, Param

ACTION = Action(
    name='configurar_desvio_workspace',
    domain='workspaces',
    summary='Desvío de llamadas de un workspace.',
    status=EN_DESARROLLO,
    params=(
        Param('workspace', required=True, help='workspace (nombre o id)', column='name', depends_on='alta_workspace'),
    ),
)

main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
