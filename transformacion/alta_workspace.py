"""Crea un workspace con Webex Calling en una ubicación.

En desarrollo: declarada en el catálogo, todavía no ejecutable.
"""

from transformacion.common import action_main
from transformacion.params import EN_DESARROLLO, Action, Param

ACTION = Action(
    name='alta_workspace',
    domain='workspaces',
    summary='Crea un workspace con Webex Calling en una ubicación.',
    status=EN_DESARROLLO,
    params=(Param('name', required=True, help='nombre del workspace'),),
)

main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
