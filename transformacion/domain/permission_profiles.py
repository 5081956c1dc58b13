"""Named outgoing-permission profiles: a JSON (or YAML) file applied to locations, people or workspaces through the
``outgoing_permissions_profile`` column, instead of (not together with) the ``outgoing_permissions`` list.

A profile says either which call types change (like the column), or, explicitly, "allow every call type except"::

    {"name": "sin_internacional",
     "todo_permitido_salvo": {"INTERNATIONAL": "BLOCK", "PREMIUM_SERVICES_I": "BLOCK:notransfer"},
     "transfer": true}

    {"name": "solo_nacional", "permisos": {"NATIONAL": "ALLOW", "INTERNATIONAL": "BLOCK"}}

(``allow_all_except`` / ``permissions`` are accepted as the English keys). With ``todo_permitido_salvo`` every call
type the entity offers and the profile does not list is set to ALLOW (with ``transfer``, when given), so the result
does not depend on what was there: what the v21 scripts did ("todo permitido" then ``--block-call-type``). A
value is ``ACTION[:transfer|notransfer]``; a list instead of a mapping (``["INTERNATIONAL"]``) means BLOCK for each.

The v21 permission files (``location_profile.json``, ``workspace_profile.json``: Webex's ``callingPermissions`` list
of ``{callType, action, transferEnabled}``) are read as they are, as a ``permisos`` profile. Call types are named as
the ``outgoing_permissions`` column names them; the v21 name ``INTERNAL`` is ``INTERNAL_CALL`` (the v21 profile's
rule ``tipo_llamada_v21``); any other unknown name (``MOBILE``) is refused naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformacion.core.params import ParamType

#: v21 call-type names that differ from Webex's (``core/profiles/legacy_v21.json``, value rule tipo_llamada_v21)
LEGACY_CALL_TYPES = {'INTERNAL': 'INTERNAL_CALL'}
ALLOW_ALL_EXCEPT = ('todo_permitido_salvo', 'allow_all_except')
EXPLICIT = ('permisos', 'permissions')


def _load(path: Path) -> Any:
    text = path.read_text(encoding='utf-8-sig')
    if path.suffix.lower() in ('.yaml', '.yml'):
        try:
            import yaml
        except ImportError:
            raise ValueError(f'{path.name}: para perfiles YAML hace falta PyYAML; use JSON') from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f'{path.name}: no es un YAML válido ({exc})') from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f'{path.name}: no es un JSON válido ({exc})') from None


def _entries(where: str, value: Any, default: str) -> str:
    """A profile's mapping (or list) as the ``outgoing_permissions`` text, v21 call-type names translated."""
    from transformacion.domain.outgoing_permissions import _name

    if isinstance(value, list):
        value = dict.fromkeys(value, default)
    if isinstance(value, list | tuple) or not isinstance(value, dict):
        raise ValueError(f'{where}: se esperaba {{TIPO: ACCIÓN}} o una lista de tipos')
    entries = []
    for call_type, action in value.items():
        name = _name(str(call_type))
        entries.append(f'{LEGACY_CALL_TYPES.get(name, name)}:{action}')
    return ', '.join(entries)


def _v21(where: str, items: Any) -> str:
    entries = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or 'callType' not in item or 'action' not in item:
            raise ValueError(f'{where}: cada elemento de callingPermissions necesita callType y action')
        name = str(item['callType']).upper()
        transfer = item.get('transferEnabled')
        flag = '' if transfer is None else (':transfer' if transfer else ':notransfer')
        entries.append(f'{LEGACY_CALL_TYPES.get(name, name)}:{item["action"]}{flag}')
    return ', '.join(entries)


def read_profile(value: str) -> dict[str, Any]:
    """A profile file (path, relative to the working folder) as ``{name, file, permissions, rest}``: ``permissions``
    as :func:`outgoing_permissions.parse_permissions` gives them, ``rest`` the permission of every other call type
    (``{action: ALLOW, transfer_enabled}``) for an "allow all except" profile, else None. ValueError (Spanish)
    naming the file and the problem."""
    from transformacion.domain.outgoing_permissions import _transfer, parse_permissions

    path = Path(value.strip())
    if not path.is_file():
        raise ValueError(f'no existe el fichero de perfil {value.strip()!r}')
    data = _load(path)
    if not isinstance(data, dict):
        raise ValueError(f'{path.name}: un perfil es un objeto con todo_permitido_salvo o permisos')
    keys = [key for key in (*ALLOW_ALL_EXCEPT, *EXPLICIT, 'callingPermissions') if key in data]
    if len(keys) != 1:
        raise ValueError(
            f'{path.name}: el perfil necesita exactamente una de todo_permitido_salvo, permisos o callingPermissions'
        )
    key = keys[0]
    where = f'{path.name}, {key}'
    rest = None
    if key in ALLOW_ALL_EXCEPT:
        text = _entries(where, data[key], 'BLOCK')
        transfer = data.get('transfer')
        rest = {'action': 'ALLOW', 'transfer_enabled': None if transfer is None else _transfer(str(transfer), key)}
    elif key in EXPLICIT:
        text = _entries(where, data[key], 'BLOCK')
    else:
        text = _v21(where, data[key])
    try:
        permissions = parse_permissions(text) if text else {}
    except ValueError as exc:
        raise ValueError(f'{where}: {exc}') from None
    if not permissions and rest is None:
        raise ValueError(f'{where}: el perfil no nombra ningún tipo de llamada')
    return {'name': str(data.get('name') or path.stem), 'file': str(path), 'permissions': permissions, 'rest': rest}


PERMISSION_PROFILE = ParamType(
    'perfil_permisos',
    read_profile,
    'fichero JSON o YAML de perfil de permisos salientes (todo_permitido_salvo o permisos; también los de v21)',
    literal=True,
)
