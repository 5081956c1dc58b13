"""Marcación interna: prefijo de enrutamiento, dígito de salida y extensiones desconocidas.

En desarrollo: declarada en el catálogo, todavía no ejecutable.
"""

from transformacion.common import action_main
from transformacion.params import EN_DESARROLLO, Action, Param

ACTION = Action(
    name='configurar_internas_ubicacion',
    domain='ubicaciones',
    summary='Marcación interna: prefijo de enrutamiento, dígito de salida y extensiones desconocidas.',
    status=EN_DESARROLLO,
    params=(
        Param('location', required=True, help='ubicación (nombre o id)', column='name', depends_on='alta_ubicacion'),
    ),
)

main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
