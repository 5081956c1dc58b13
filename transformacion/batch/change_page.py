"""The HTML page of ``consolidar_reportes``: one self-contained file (inline CSS, no script, no external resource,
every value escaped) that a manager opens in a browser. Per org: who changed what, when and from which input; the
result per kind of entity; the failures grouped by reason with the next step; a per-site view and, per site, every
entity with a link to the evidence of each pair (relative to the page, so the page and the logs folder can be zipped
together). Then the dry runs (apart: they changed nothing), the batches refused by their validation, and the
technical detail per run and per action.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from transformacion.batch.change import (
    CHANGED,
    CREATED,
    ENTITY_NAMES,
    ENTITY_STATES,
    FAILED,
    STATE_LABELS,
    UNKNOWN,
    Change,
    Entity,
    FailureGroup,
    Pair,
    Run,
)

#: Pairs listed under each failure group (the CSV and the per-site detail have all of them).
PAIRS_PER_GROUP = 200
_PAIR_LABELS = {
    'real': {CREATED: 'creado', CHANGED: 'cambiado'},
    'dry_run': {CREATED: 'se crearía', CHANGED: 'se cambiaría'},
}
#: An entity's state in the singular.
_STATE_ONE = {
    'real': {
        'creada': 'creada',
        'actualizada': 'actualizada',
        'sin_cambios': 'sin cambios',
        'fallida': 'con fallos',
        'pendiente': 'pendiente',
    },
    'dry_run': {
        'creada': 'se crearía',
        'actualizada': 'se actualizaría',
        'sin_cambios': 'sin cambios',
        'fallida': 'fallaría',
        'pendiente': 'pendiente',
    },
}
_REASON_LABELS = {
    'sin_cambios': 'sin cambios',
    'no_aplica': 'no aplica',
    'bloqueado': 'bloqueado',
    'lote_rechazado': 'lote rechazado',
    'no_ejecutado': 'sin ejecutar',
}

_CSS = """
:root{--ink:#1f2933;--muted:#52606d;--line:#d9e2ec;--ok:#1e7b34;--bad:#b42318;--warn:#9a6700;--bg:#f5f7fa}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:var(--ink);background:var(--bg);
line-height:1.4}
main{max-width:1180px;margin:0 auto;padding:1.5rem 2rem 3rem}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.3rem;margin:2.2rem 0 .6rem;padding-bottom:.3rem;
border-bottom:2px solid var(--line)}h3{font-size:1.05rem;margin:1.6rem 0 .5rem}
.sub,.note{color:var(--muted);margin:.2rem 0 .8rem}
.alert{background:#fff4e5;border:1px solid #f0c36d;border-radius:6px;padding:.6rem .9rem;margin:.8rem 0}
section.change{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.4rem 1.4rem 1.2rem;
margin:1.2rem 0}
section.change>h2{border:0;margin-top:1rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1.2rem;margin:.4rem 0 1rem}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;word-break:break-word}
.verdict{font-size:1.15rem;font-weight:600;border-radius:6px;padding:.6rem .9rem;margin:.8rem 0}
.verdict.ok{background:#e3f4e8;color:var(--ok)}.verdict.bad{background:#fde8e7;color:var(--bad)}
.verdict.dry{background:#eef2f7;color:var(--muted)}
table{border-collapse:collapse;background:#fff;font-size:.92rem;margin:.3rem 0}
th,td{border:1px solid var(--line);padding:.35rem .6rem;text-align:left;vertical-align:top}
.long{overflow-wrap:anywhere}
th{background:#f0f4f8;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.headline td{vertical-align:middle}table.headline td.n{font-size:1.25rem;font-weight:600;min-width:6.5rem}
.zero{color:#9aa5b1;font-weight:400}
.s-creada,.s-actualizada,.r-creado,.r-cambiado{color:var(--ok)}
.s-fallida,.r-fallido{color:var(--bad);font-weight:600}.s-pendiente,.r-bloqueado,.r-no_ejecutado{color:var(--warn)}
.s-sin_cambios,.r-sin_cambios,.r-no_aplica,.r-lote_rechazado{color:var(--muted)}
.failure{border-left:4px solid var(--bad);background:#fff;padding:.4rem .9rem;margin:.8rem 0}
.failure h4{margin:.2rem 0;font-size:1rem}.failure .count{color:var(--bad)}
.step{font-weight:600}
details{margin:.4rem 0}summary{cursor:pointer;font-weight:600;padding:.2rem 0}
ul.pairs{list-style:none;margin:0;padding:0}ul.pairs li{white-space:nowrap}
code{font-size:.82rem;word-break:break-all}td code{white-space:nowrap;word-break:normal}a{color:#0b5cad}
.tech{font-size:.85rem}
"""


def _e(value: Any) -> str:
    return html.escape('' if value is None else str(value), quote=True)


def when(stamp: str) -> str:
    """``2026-11-30T05:24:10.581Z`` as ``2026-11-30 05:24 UTC``; '' when empty, the text itself when unparsable."""
    if not stamp:
        return ''
    try:
        moment = datetime.fromisoformat(stamp.replace('Z', '+00:00'))
    except ValueError:
        return stamp
    return moment.strftime('%Y-%m-%d %H:%M UTC')


def href(path: Path, page_dir: Path) -> str:
    """A link from the page's folder to ``path``: relative (URL-quoted, ``/``) when possible, else a file URI."""
    try:
        relative = os.path.relpath(path.resolve(), page_dir.resolve())
    except ValueError:
        return path.resolve().as_uri()
    return quote(Path(relative).as_posix())


def _table(header: list[str], rows: Iterable[list[str]], numeric: set[int] | None = None, css: str = '') -> str:
    """A table; cells are HTML already (escape them first), ``numeric`` columns are right-aligned."""
    numeric = numeric or set()
    head = ''.join(f'<th scope="col">{_e(cell)}</th>' for cell in header)
    body = ''.join(
        '<tr>'
        + ''.join(f'<td class="n">{c}</td>' if i in numeric else f'<td>{c}</td>' for i, c in enumerate(r))
        + '</tr>'
        for r in rows
    )
    cls = f' class="{css}"' if css else ''
    return f'<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _number(value: int) -> str:
    return f'<span class="zero">{value}</span>' if not value else str(value)


def _kind(dataset: str, plural: bool = True) -> str:
    one, many = ENTITY_NAMES.get(dataset, (dataset, dataset))
    return many if plural else one


def _state(entity_state: str, kind: str, count: int | None = None) -> str:
    """An entity state as a coloured label, after its ``count`` when given."""
    text = _STATE_ONE[kind][entity_state] if count is None else _counted(count, entity_state, kind)
    return f'<span class="s-{entity_state}">{_e(text)}</span>'


def _counted(count: int, entity_state: str, kind: str) -> str:
    """``3 creadas``, ``1 creada`` (plain text)."""
    return f'{count} {(_STATE_ONE if count == 1 else STATE_LABELS)[kind][entity_state]}'


def _pair_label(pair: Pair, kind: str) -> str:
    if pair.reason == FAILED:
        return pair.row['status']
    return _PAIR_LABELS[kind].get(pair.reason) or _REASON_LABELS.get(pair.reason, pair.reason)


def _evidence(pair: Pair, page_dir: Path) -> str:
    if pair.evidence is None:
        return ''
    title = f'líneas con action_id {pair.action_id}'
    return f'<a class="evidence" href="{_e(href(pair.evidence, page_dir))}" title="{_e(title)}">evidencia</a>'


def _facts(items: list[tuple[str, str]]) -> str:
    return '<dl class="facts">' + ''.join(f'<dt>{_e(k)}</dt><dd>{v}</dd>' for k, v in items) + '</dl>'


def _joined(values: list[str]) -> str:
    return '<br>'.join(_e(value) for value in values) or _e(UNKNOWN)


def _headline(change: Change) -> str:
    headline = change.headline()
    if not headline:
        return '<p class="note">Ninguna fila en estas ejecuciones.</p>'
    labels = STATE_LABELS[change.kind]
    rows = [
        [_e(_kind(dataset).capitalize()), *(_number(by_state[s]) for s in ENTITY_STATES), str(sum(by_state.values()))]
        for dataset, by_state in headline.items()
    ]
    header = ['', *(labels[s] for s in ENTITY_STATES), 'total']
    return _table(header, rows, numeric=set(range(1, len(ENTITY_STATES) + 2)), css='headline')


def _verdict(change: Change) -> str:
    failing = [e for e in change.entities if e.state == 'fallida']
    pending = [e for e in change.entities if e.state == 'pendiente']
    if change.kind == 'dry_run':
        text = 'Simulación: no cambió nada en la organización.'
        if failing:
            text += f' Al aplicarla fallarían {len(failing)} elemento(s).'
        return f'<div class="verdict dry">{_e(text)}</div>'
    if failing or pending:
        parts = [f'{len(failing)} elemento(s) con fallos'] if failing else []
        parts += [f'{len(pending)} pendiente(s)'] if pending else []
        return f'<div class="verdict bad">✖ {_e(" y ".join(parts))}: vea los motivos y el siguiente paso abajo.</div>'
    return '<div class="verdict ok">✔ Todo aplicado: ningún elemento con fallos ni pendiente.</div>'


def _failures(change: Change, page_dir: Path) -> str:
    groups = change.failures()
    if not groups:
        return '<p class="note">Ningún fallo.</p>'
    return ''.join(_failure_group(group, change.kind, page_dir) for group in groups)


def _failure_group(group: FailureGroup, kind: str, page_dir: Path) -> str:
    example = group.pairs[0]
    listed = group.pairs[:PAIRS_PER_GROUP]
    more = len(group.pairs) - len(listed)
    rows = [
        [
            _e(_kind(p.row['dataset'], plural=False)),
            f'<span class="long">{_e(p.row["key"] or "fila " + p.row["row"])}</span>',
            f'<code>{_e(p.action)}</code>',
            f'<span class="r-fallido">{_e(p.row["status"])}</span>',
            _e(p.row.get('message', '')),
            f'<code>{_e(p.run.run_id)}</code>',
            _evidence(p, page_dir),
        ]
        for p in listed
    ]
    table = _table(['tipo', 'elemento', 'acción', 'estado', 'mensaje', 'ejecución', 'evidencia'], rows)
    tail = f'<p class="note">… y {more} más (todas en el CSV).</p>' if more else ''
    return (
        f'<div class="failure" data-category="{_e(group.category)}">'
        f'<h4>{_e(group.label)} · <span class="count">{len(group.pairs)}</span></h4>'
        f'<p><span class="step">Siguiente paso:</span> {_e(group.next_step)}</p>'
        f'<p class="note">Ejemplo: {_e(example.row["key"] or "fila " + example.row["row"])} · '
        f'<code>{_e(example.action)}</code> · {_e(example.row.get("message", ""))}</p>'
        f'<details><summary>Ver {"los" if len(group.pairs) > 1 else "el"} {len(group.pairs)} par(es)</summary>'
        f'{table}{tail}</details></div>'
    )


def _site_summary(change: Change) -> str:
    by_site = change.by_site()
    datasets = [d for d in ENTITY_NAMES if any(d in by_dataset for by_dataset in by_site.values())]
    datasets += sorted({d for by_dataset in by_site.values() for d in by_dataset} - set(datasets))
    sites = {e.key: e for e in change.entities if e.dataset == 'ubicaciones'}
    rows = []
    for site, by_dataset in by_site.items():
        own = sites.get(site)
        cells = [_e(site), _state(own.state, change.kind) if own else '<span class="note">ya existente</span>']
        for dataset in datasets:
            if dataset == 'ubicaciones':
                continue
            counts = by_dataset.get(dataset, {})
            shown = [_state(s, change.kind, counts[s]) for s in ENTITY_STATES if counts.get(s)]
            cells.append(' · '.join(shown) or '<span class="note">—</span>')
        rows.append(cells)
    header = ['ubicación', 'la ubicación', *(_kind(d) for d in datasets if d != 'ubicaciones')]
    return _table(header, rows, css='sites')


def _entity_row(entity: Entity, kind: str, page_dir: Path) -> list[str]:
    """An entity and the actions its rows asked for (those that did not apply are left out), each with its result
    (the message as its tooltip) and the link to its evidence."""
    pairs = ''.join(
        f'<li><code>{_e(pair.action)}</code> <span class="r-{_e(pair.reason)}" title="{_e(pair.row.get("message"))}">'
        f'{_e(_pair_label(pair, kind))}</span>{" · " + _evidence(pair, page_dir) if pair.evidence else ""}</li>'
        for pair in entity.pairs.values()
        if pair.reason != 'no_aplica'
    )
    pairs = pairs or '<li class="note">ninguna acción pedida</li>'
    return [
        _e(_kind(entity.dataset, plural=False)),
        f'<span class="long">{_e(entity.key)}</span>',
        _state(entity.state, kind),
        f'<ul class="pairs">{pairs}</ul>',
    ]


def _site_details(change: Change, page_dir: Path) -> str:
    by_site: dict[str, list[Entity]] = {}
    for entity in change.entities:
        by_site.setdefault(entity.site, []).append(entity)
    blocks = []
    for site, entities in by_site.items():
        counts: dict[str, int] = {}
        for entity in entities:
            counts[entity.state] = counts.get(entity.state, 0) + 1
        told = ', '.join(_counted(counts[s], s, change.kind) for s in ENTITY_STATES if counts.get(s))
        rows = [_entity_row(entity, change.kind, page_dir) for entity in entities]
        blocks.append(
            f'<details class="site" data-site="{_e(site)}"><summary>{_e(site)} — {len(entities)} elemento(s): '
            f'{_e(told)}</summary>{_table(["tipo", "elemento", "estado", "acciones y evidencia"], rows)}</details>'
        )
    return ''.join(blocks)


def _change(change: Change, number: int, page_dir: Path) -> str:
    target = change.target
    runs = ', '.join(f'<code>{_e(run.run_id)}</code>' for run in change.runs)
    period = f'{when(change.started_at) or UNKNOWN} → {when(change.finished_at) or UNKNOWN}'
    title = 'Simulación' if change.kind == 'dry_run' else 'Organización'
    facts = _facts(
        [
            ('Organización', _e(target.label)),
            ('Entorno (API)', _joined(change.base_urls)),
            ('Operador', _joined(change.operators)),
            ('Cuándo', _e(period)),
            ('Entrada', _joined(change.inputs)),
            ('Ejecuciones', runs),
            ('Versiones', _joined(change.versions)),
        ]
    )
    ident = f'{"sim" if change.kind == "dry_run" else "org"}-{number}'
    return (
        f'<section class="change {change.kind}" id="{ident}">'
        f'<h2>{title}: {_e(target.org_name or target.org_id or UNKNOWN)}</h2>{facts}{_verdict(change)}'
        f'<h3>Resultado por tipo de elemento</h3>{_headline(change)}'
        f'<h3>Fallos por motivo</h3>{_failures(change, page_dir)}'
        f'<h3>Por ubicación</h3>{_site_summary(change)}'
        f'<h3>Detalle por ubicación</h3><p class="note">Cada elemento con el resultado de cada acción y el enlace '
        f'a su evidencia (JSONL de la acción en la carpeta de la ejecución; busque el action_id del título).</p>'
        f'{_site_details(change, page_dir)}</section>'
    )


def _rejected(runs: list[Run]) -> str:
    rows = [
        [
            f'<code>{_e(run.run_id)}</code>',
            _e(when(run.started_at)),
            f'<span class="long" title="{_e(run.target.org_id)}">{_e(run.target.org_name or run.target.label)}</span>',
            f'<span class="long">{_e(run.input)}</span>',
            _e(run.summary.get('problems', '')),
            _e(next((row['message'] for row in run.rows if row['status'] == 'rejected'), '')),
        ]
        for run in runs
    ]
    table = _table(['ejecución', 'cuándo', 'organización', 'entrada', 'problemas', 'ejemplo'], rows, numeric={4})
    return (
        '<section id="rechazados"><h2>Lotes rechazados por la validación</h2>'
        '<p class="note">No aplicaron nada. Siguiente paso: corrija los problemas que lista la ejecución '
        '(results_manual.csv) o relance con --skip-invalid para aplicar solo las filas válidas.</p>'
        f'{table}</section>'
    )


def _technical(overviews: list[dict[str, Any]], by_action: dict[str, dict[str, int]], statuses: list[str]) -> str:
    run_rows = [
        [
            f'<code>{_e(o["run_id"])}</code>',
            _e(o['kind']),
            _e(o['state']),
            _e(when(o['started_at'] or '')),
            _e(o['duration_s']),
            _e(o['rows']),
            _e(o['failed']),
            _e(o['api_calls']),
            _e(o['http_429']),
            _e(o['retries']),
        ]
        for o in overviews
    ]
    runs = _table(
        [
            'ejecución',
            'tipo',
            'estado',
            'inicio',
            'duración (s)',
            'filas x acción',
            'fallidas',
            'llamadas API',
            '429',
            'reintentos',
        ],
        run_rows,
        numeric=set(range(4, 10)),
    )
    action_rows = [
        [f'<code>{_e(action)}</code>', *(_e(counts.get(s, 0)) for s in statuses), _e(sum(counts.values()))]
        for action, counts in by_action.items()
    ]
    actions = _table(['acción', *statuses, 'total'], action_rows, numeric=set(range(1, len(statuses) + 2)))
    return (
        '<section id="tecnico" class="tech"><h2>Detalle técnico</h2>'
        f'<h3>Ejecuciones</h3>{runs}'
        '<h3>Pares fila x acción por estado (todas las ejecuciones seleccionadas)</h3>'
        f'{actions}</section>'
    )


def render(
    page: Path,
    changes: list[Change],
    dry_runs: list[Change],
    rejected: list[Run],
    overviews: list[dict[str, Any]],
    by_action: dict[str, dict[str, int]],
    statuses: list[str],
    selection: str,
    generated: str,
) -> str:
    """The page to be written at ``page`` (its links are relative to its folder)."""
    page_dir = page.parent
    intro = (
        f'Generado el {generated} · {sum(len(c.runs) for c in changes)} ejecución(es) real(es) · '
        f'{len(dry_runs)} simulación(es) · {len(rejected)} lote(s) rechazado(s)'
    )
    alerts = []
    if len(changes) > 1:
        alerts.append(
            f'Este informe abarca {len(changes)} organizaciones distintas (organización y entorno de API: la misma '
            'organización en otro entorno cuenta aparte); cada una tiene su propio apartado.'
        )
    if any(not c.target.known for c in [*changes, *dry_runs]):
        alerts.append(
            'Alguna ejecución no registró su organización ni su operador (ejecuciones anteriores a que se '
            'registrara): aparecen como «desconocido».'
        )
    body = ''.join(_change(change, i, page_dir) for i, change in enumerate(changes, 1))
    if not changes:
        body = '<p class="note">Ninguna ejecución real en la selección.</p>'
    if dry_runs:
        body += (
            '<section id="simulaciones"><h2>Simulaciones</h2><p class="note">Ejecuciones con --dry-run: no cambiaron '
            'nada; dicen lo que se aplicaría y lo que fallaría.</p>'
            + ''.join(_change(change, i, page_dir) for i, change in enumerate(dry_runs, 1))
            + '</section>'
        )
    if rejected:
        body += _rejected(rejected)
    body += _technical(overviews, by_action, statuses)
    alert_html = ''.join(f'<p class="alert">{_e(text)}</p>' for text in alerts)
    return f"""<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Informe del cambio</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>Informe del cambio</h1>
<p class="sub">{_e(intro)}</p>
<p class="sub">Selección: {_e(selection)}</p>
{alert_html}
{body}
</main>
</body>
</html>
"""
