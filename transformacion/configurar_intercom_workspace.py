"""Old name of configurar_push_to_talk_workspace (Webex Calling Push-to-Talk), kept as an alias: it says on stderr that
the action was renamed and runs configurar_push_to_talk_workspace with the same arguments (the old ``--intercom-*``
options too). "Intercom" now means what the LLD and the v21 scripts mean: a secondary number
(configurar_numero_intercom_workspace). See transformacion/core/renamed.py.
"""

from transformacion.common import renamed_main

main = renamed_main('configurar_intercom_workspace')

if __name__ == '__main__':
    raise SystemExit(main())
