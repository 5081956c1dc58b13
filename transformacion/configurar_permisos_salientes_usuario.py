"""Permisos de llamadas salientes de una persona.

En desarrollo: declarada en el catálogo, todavía no ejecutable.
"""

from transformacion.common import action_main
from transformacion.params import EN_DESARROLLO, Action, Param

ACTION = Action(
    name='configurar_permisos_salientes_usuario',
    domain='usuarios',
    summary='Permisos de llamadas salientes de una persona.',
    status=EN_DESARROLLO,
    high_impact=True,
    params=(Param('person', required=True, help='persona (correo o id)', column='email', depends_on='alta_usuario'),),
)

main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
