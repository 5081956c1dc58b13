"""Crea una persona con licencia de Webex Calling en una ubicación, con extensión y/o número.

En desarrollo: declarada en el catálogo, todavía no ejecutable.
"""

from transformacion.common import action_main
from transformacion.params import EN_DESARROLLO, Action, Param

ACTION = Action(
    name='alta_usuario',
    domain='usuarios',
    summary='Crea una persona con licencia de Webex Calling en una ubicación, con extensión y/o número.',
    status=EN_DESARROLLO,
    params=(Param('email', required=True, help='correo de la persona'),),
)

main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
