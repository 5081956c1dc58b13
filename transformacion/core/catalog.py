"""The product's action catalogue: every planned action, its domain, dataset, status and parameters, and the planning
derived from it (dependency order, prerequisites, applicability, the columns of each dataset).

This is the one place that imports the action modules (by name, with importlib): everything else reaches an action
through ``action_module`` / ``load_catalog``. Rendered by ``python -m transformacion`` and into the README (a test
keeps the README in sync).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

from transformacion.core.params import DATASETS, Action, Param, describe_rules

#: The file of common values of a launcher folder (one data row), next to the ``DATASETS`` files.
GLOBAL_CSV = 'global.csv'

ACTION_NAMES = (
    'alta_ubicacion',
    'habilitar_calling_ubicacion',
    'configurar_pstn_ubicacion',
    'anadir_numeraciones_ubicacion',
    'configurar_cabecera_ubicacion',
    'configurar_internas_ubicacion',
    'configurar_permisos_salientes_ubicacion',
    'alta_usuario',
    'asignar_licencias_usuario',
    'mover_usuarios_ubicacion',
    'configurar_push_to_talk_usuario',
    'configurar_numero_intercom_usuario',
    'configurar_desvio_usuario',
    'configurar_permisos_salientes_usuario',
    'alta_workspace',
    'precheck_workspace',
    'configurar_push_to_talk_workspace',
    'configurar_numero_intercom_workspace',
    'configurar_desvio_workspace',
    'configurar_permisos_salientes_workspace',
)
#: The tools at the package root (batch and auxiliary), each a console script with its own ``--help``.
TOOL_NAMES = (
    'launcher_csv_dependencias',
    'bulk_runner',
    'generar_csv_candidatos',
    'inspeccionar_parametros',
    'consolidar_reportes',
    'generar_plantilla',
    'revertir',
)


#: action name -> (its declaration, its domain function ``(api, params, ctx) -> Outcome``, None while en desarrollo).
Catalog = dict[str, tuple[Action, Callable[..., Any] | None]]


class CatalogError(ValueError):
    """A selection of actions that cannot be planned: unknown names or circular dependencies."""


def action_module(name: str) -> ModuleType:
    """The module ``transformacion.<name>``; KeyError (listing the actions) for a name not in the catalogue."""
    if name not in ACTION_NAMES:
        raise KeyError(f'acción desconocida: {name}; acciones: {", ".join(ACTION_NAMES)}')
    return importlib.import_module(f'transformacion.{name}')


def actions() -> list[Action]:
    """Every action's declaration, in catalogue order."""
    return [action_module(name).ACTION for name in ACTION_NAMES]


def load_catalog() -> Catalog:
    """Every action of the product: its declaration and its domain function (None while en desarrollo)."""
    catalog: Catalog = {}
    for name in ACTION_NAMES:
        module = action_module(name)
        catalog[name] = (module.ACTION, getattr(module, name, None))
    return catalog


# --------------------------------------------------------------------------- planning


def prerequisites(name: str, catalog: Catalog) -> set[str]:
    """Every action that ``name`` depends on, directly or through others (``Action.depends_on``)."""
    found: set[str] = set()
    todo = [name]
    while todo:
        for dependency in catalog[todo.pop()][0].depends_on:
            if dependency in catalog and dependency not in found:
                found.add(dependency)
                todo.append(dependency)
    return found


def plan(names: Sequence[str], catalog: Catalog) -> list[tuple[str, tuple[Action, ...]]]:
    """Phases in dependency order, each a dataset and the actions every row of it runs, in order.

    A topological order of the selected actions (``Action.depends_on``, transitively through the catalogue) that
    keeps each dataset's actions together and otherwise follows the catalogue's order; an action that names other
    rows' entities of its own dataset starts a new pass, so that every row has run what it needs.
    CatalogError for unknown names and circular dependencies.
    """
    unknown = [name for name in names if name not in catalog]
    if unknown:
        raise CatalogError(f'acciones desconocidas: {", ".join(unknown)}; acciones: {", ".join(catalog)}')
    remaining = [name for name in catalog if name in names]
    needs = {name: prerequisites(name, catalog) & set(remaining) for name in remaining}
    phases: list[tuple[str, tuple[Action, ...]]] = []
    done: set[str] = set()
    while remaining:
        ready = [name for name in remaining if not needs[name] - done]
        if not ready:
            raise CatalogError(f'dependencias circulares entre: {", ".join(remaining)}')
        domain, current = phases[-1] if phases else (None, ())
        chosen = next((name for name in ready if catalog[name][0].domain == domain), ready[0])
        action = catalog[chosen][0]
        if action.domain == domain and not _needs_other_rows(action, current):
            phases[-1] = (domain, (*current, action))
        else:
            phases.append((action.domain, (action,)))
        remaining.remove(chosen)
        done.add(chosen)
    return phases


def _needs_other_rows(action: Action, phase: tuple[Action, ...]) -> bool:
    """Whether ``action`` names other rows' entities that an action of ``phase`` creates (then it goes in a later
    pass over the dataset, once every row has run that action)."""
    names = {other.name for other in phase}
    return any(not param.key and param.depends_on in names for param in action.params)


def dataset_columns(catalog: Catalog) -> dict[str, set[str]]:
    """The CSV columns of each dataset: the columns declared by the actions of its domain."""
    columns: dict[str, set[str]] = {dataset: set() for dataset in DATASETS}
    for action, _ in catalog.values():
        columns[action.domain].update(param.csv_column for param in action.params)
    return columns


def key_columns(catalog: Catalog, dataset: str) -> tuple[str, ...]:
    """The columns that identify a row's entity in ``dataset`` (its actions' ``key`` parameters), in order."""
    found = (p.csv_column for action, _ in catalog.values() if action.domain == dataset for p in action.key_params)
    return tuple(dict.fromkeys(found))


def applies(action: Action, *rows: Mapping[str, str]) -> bool:
    """The applicability rule, declared with the action (``Action.applies``): the rows (a dataset row and, when
    given, the global.csv row; ``{column: text}``) fill at least one of the columns that say what to change."""
    return action.applies(*rows)


def _param_summary(action: Action) -> str:
    return ', '.join(f'{p.name}{"*" if p.required else ""}' for p in action.params)


# --------------------------------------------------------------------------- rendering


def render_table(items: list[Action]) -> str:
    rows = [('acción', 'dominio', 'dataset', 'estado', 'parámetros (* obligatorio)')]
    rows += [(a.name, a.domain, a.dataset, a.status, _param_summary(a)) for a in items]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return '\n'.join('  '.join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)) for row in rows)


def _column(param: Param) -> str:
    """A parameter as the README table names it: its CSV column, and its option when that is not ``--<column>``."""
    plain = '--' + param.csv_column.replace('_', '-')
    return f'`{param.csv_column}`' + ('' if param.flag == plain else f' (`{param.flag}`)')


def render_markdown(items: list[Action]) -> str:
    lines = [
        '| acción | dataset | estado | alto impacto | columnas CSV obligatorias | opcionales |',
        '| --- | --- | --- | --- | --- | --- |',
    ]
    for a in items:
        required = ', '.join(_column(p) for p in a.params if p.required) or '-'
        optional = ', '.join(_column(p) for p in a.params if not p.required) or '-'
        lines.append(
            f'| `{a.name}` | {a.dataset} | {a.status} | {"sí" if a.high_impact else "no"} | {required} | {optional} |'
        )
    return '\n'.join(lines)


def as_json(items: list[Action]) -> str:
    return json.dumps(
        [
            {
                'name': a.name,
                'domain': a.domain,
                'dataset': a.dataset,
                'status': a.status,
                'summary': a.summary,
                'high_impact': a.high_impact,
                'depends_on': list(a.depends_on),
                'rules': describe_rules(a),
                'params': [
                    {
                        'name': p.name,
                        'type': p.type.name,
                        'required': p.required,
                        'csv_column': p.csv_column,
                        'choices': list(p.choices),
                        'default': p.default,
                        'depends_on': p.depends_on,
                        'help': p.help,
                    }
                    for p in a.params
                ],
            }
            for a in items
        ],
        ensure_ascii=False,
        indent=2,
    )
