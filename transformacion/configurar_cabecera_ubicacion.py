"""Fija el número de cabecera (calling line id) de una ubicación.

En desarrollo: declarada en el catálogo, todavía no ejecutable.
"""

from transformacion.common import action_main
from transformacion.params import EN_DESARROLLO, Action, Param

ACTION = Action(
    name='configurar_cabecera_ubicacion',
    domain='ubicaciones',
    summary='Fija el número de cabecera (calling line id) de una ubicación.',
    status=EN_DESARROLLO,
    params=(
        Param('location', required=True, help='ubicación (nombre o id)', column='name', depends_on='alta_ubicacion'),
    ),
)

main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
