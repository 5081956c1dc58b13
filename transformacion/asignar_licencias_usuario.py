"""Añade o quita licencias de una persona.

En desarrollo: declarada en el catálogo, todavía no ejecutable.
"""

from transformacion.common import action_main
from transformacion.params import EN_DESARROLLO, Action, Param

ACTION = Action(
    name='asignar_licencias_usuario',
    domain='usuarios',
    summary='Añade o quita licencias de una persona.',
    status=EN_DESARROLLO,
    params=(
        Param(
            'person', required=True, key=True, help='persona (correo o id)', column='email', depends_on='alta_usuario'
        ),
    ),
)

main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
