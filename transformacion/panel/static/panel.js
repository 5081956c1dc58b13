'use strict';
// The panel's page: plain JavaScript over the JSON API (no framework, no build step). Every POST carries the CSRF
// token of the page; progress arrives as server-sent events.
const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const state = { catalog: null, input: null, loaded: null, action: null, plan: null, job: null, run: null, pair: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function show(text, kind = 'error') {
  const box = $('message');
  box.textContent = text;
  box.className = 'message' + (kind === 'info' ? ' info' : '');
  if (!text) box.classList.add('hidden');
}

async function api(path, method = 'GET', body = null) {
  const options = { method, headers: {} };
  if (method !== 'GET') options.headers['X-CSRF-Token'] = CSRF;
  if (body instanceof FormData) options.body = body;
  else if (body !== null) { options.headers['Content-Type'] = 'application/json'; options.body = JSON.stringify(body); }
  const response = await fetch(path, options);
  const data = await response.json();
  if (!response.ok) { const error = new Error(data.error || response.statusText); error.data = data; throw error; }
  return data;
}

function screen(name) {
  document.querySelectorAll('.screen').forEach((s) => s.classList.toggle('hidden', s.id !== 'screen-' + name));
  document.querySelectorAll('.main-menu').forEach((b) => b.classList.toggle('active', b.dataset.screen === name));
  if (name === 'historial') loadRuns();
  if (name === 'programar') loadSchedule();
}

function fmt(value) {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// ------------------------------------------------------------------ catalogue and menu

async function buildMenu() {
  state.catalog = await api('/api/catalog');
  for (const [key, section] of Object.entries(state.catalog.sections)) {
    const sub = $('submenu-' + key);
    for (const action of section.actions) {
      const label = action.ready ? action.name : [action.name, el('span', { class: 'tag' }, ' · en desarrollo')];
      const button = el('button', { 'data-action': action.name, title: action.summary }, label);
      if (!action.ready) button.disabled = true;
      else button.addEventListener('click', () => selectAction(action));
      sub.append(button);
    }
  }
  document.querySelectorAll('.main-menu[data-section]').forEach((b) => b.addEventListener('click', () => {
    document.querySelectorAll('.submenu').forEach((s) => s.classList.toggle('open', s.dataset.section === b.dataset.section));
  }));
  document.querySelectorAll('.main-menu[data-screen]').forEach((b) => b.addEventListener('click', () => screen(b.dataset.screen)));
}

async function loadFolders() {
  const data = await api('/api/folders');
  for (const id of ['folder', 'sched-folder']) {
    const select = $(id);
    select.replaceChildren(...data.folders.map((f) => el('option', { value: f }, f)));
  }
}

// ------------------------------------------------------------------ load

function showLoaded(data) {
  state.input = data.input;
  state.loaded = data;
  $('load-result').classList.remove('hidden');
  $('input-label').textContent = data.label;
  if (data.error) show(data.error); else show('');
  $('input-org').textContent = data.org ? data.org.message : '';
  $('input-org').className = !data.org ? 'hidden' : (data.org.own ? 'hint' : 'message info');
  $('datasets').replaceChildren(...Object.entries(data.datasets || {}).map(([name, d]) =>
    el('p', {}, `${d.file}: ${d.rows.length} fila(s) (${name})`)));
  $('problem-count').textContent = data.problems.length;
  $('problems').tBodies[0].replaceChildren(...data.problems.map((p) =>
    el('tr', {}, el('td', {}, p.file), el('td', {}, p.row ?? ''), el('td', {}, p.column), el('td', {}, p.value), el('td', {}, p.why))));
  $('plan-all').disabled = Boolean(data.error) || data.problems.length > 0;
}

async function loadFolder() {
  try { showLoaded(await api('/api/load', 'POST', { folder: $('folder').value })); } catch (e) { show(e.message); }
}

async function uploadFiles() {
  const form = new FormData();
  for (const file of $('upload-files').files) form.append('files', file);
  try { showLoaded(await api('/api/upload', 'POST', form)); } catch (e) { show(e.message); }
}

async function revalidate() {
  try { showLoaded(await api(`/api/inputs/${state.input}/validate`, 'POST', {})); } catch (e) { show(e.message); }
}

// ------------------------------------------------------------------ select

function selectAction(action) {
  state.action = action;
  screen('accion');
  document.querySelectorAll('.submenu button').forEach((b) => b.classList.toggle('active', b.dataset.action === action.name));
  $('action-title').textContent = action.name + (action.high_impact ? ' · alto impacto' : '');
  $('action-summary').textContent = action.summary;
  $('action-rules').textContent = action.rules.join(' · ');
  $('action-params').tBodies[0].replaceChildren(...action.params.map((p) => el('tr', {},
    el('td', {}, p.name), el('td', {}, p.column), el('td', {}, p.type + (p.choices.length ? ` (${p.choices.join(', ')})` : '')),
    el('td', {}, p.required ? 'sí' : ''), el('td', {}, p.help))));
  $('mode-form').replaceChildren(...action.params.map((p) => el('label', {}, p.column + (p.required ? ' *' : ''),
    p.choices.length ? el('select', { name: p.column }, el('option', { value: '' }, ''), p.choices.map((c) => el('option', { value: c }, c)))
      : el('input', { name: p.column, placeholder: p.type }))));
  const dataset = state.loaded && state.loaded.datasets[action.domain || datasetOf(action)];
  $('single-row').replaceChildren(...((dataset && dataset.rows) || []).map((r) =>
    el('option', { value: r.row }, `fila ${r.row}: ${Object.values(r.values).slice(0, 3).join(' · ')}`)));
}

function datasetOf(action) {
  for (const [key, section] of Object.entries(state.catalog.sections)) if (section.actions.includes(action)) return key;
  return '';
}

function mode() { return document.querySelector('input[name="mode"]:checked').value; }

async function planAction() {
  const action = state.action;
  try {
    let input = state.input;
    if (mode() === 'form') {
      const values = Object.fromEntries(new FormData($('mode-form')).entries());
      const loaded = await api('/api/form', 'POST', { action: action.name, values });
      if (loaded.problems.length || loaded.error) { screen('carga'); showLoaded(loaded); return; }
      input = loaded.input;
    }
    if (!input) { show('cargue primero una entrada (Carga)'); return; }
    const body = { input, actions: [action.name], mode: mode() === 'single' ? 'single' : 'bulk', row: $('single-row').value,
      chunk_size: $('chunk-size').value, concurrency: $('workers').value };
    startPlan(await api('/api/plan', 'POST', body), body);
  } catch (e) { show(e.message); }
}

async function planAll() {
  const body = { input: state.input };
  try { startPlan(await api('/api/plan', 'POST', body), body); } catch (e) { show(e.message); }
}

// ------------------------------------------------------------------ plan

function follow(job, onEvent, onEnd) {
  const source = new EventSource(`/api/jobs/${job.job}/events`);
  source.addEventListener('progress', (m) => onEvent(JSON.parse(m.data)));
  source.addEventListener('end', (m) => { source.close(); const data = JSON.parse(m.data); onEvent(data); onEnd(data); });
  source.onerror = () => source.close();
}

function startPlan(job, request) {
  show('');
  if (request) state.planRequest = request;
  screen('plan');
  $('plan-body').classList.add('hidden');
  $('plan-progress').textContent = 'planificando (dry-run)…';
  follow(job, (p) => { $('plan-progress').textContent = `planificando: ${p.done}/${p.total}`; }, async (p) => {
    if (p.error) { $('plan-progress').textContent = ''; show(p.error); return; }
    $('plan-progress').textContent = p.report && p.report.problems.length ? p.report.problems.join('\n') : '';
    await showPlan(p.run_id);
  });
}

const KINDS = { create: 'crear', update: 'modificar', none: 'sin cambios', refused: 'rechazado', blocked: 'bloqueado',
  needs_yes: 'requiere confirmación' };
function reasons(pair) { return (pair.reasons || []).join('; '); }

async function showPlan(runId, offset = 0) {
  const view = await api(`/api/plans/${runId}?offset=${offset}`);
  state.plan = view;
  $('plan-run').textContent = runId;
  $('plan-body').classList.remove('hidden');
  const totals = {};
  for (const line of Object.values(view.counts)) for (const [k, v] of Object.entries(line)) totals[k] = (totals[k] || 0) + v;
  $('plan-counts').textContent = `destino ${view.target.org_name || view.target.org_id || '—'} · ${view.changes} cambio(s) previstos · ` +
    Object.entries(totals).map(([k, v]) => `${KINDS[k] || k} ${v}`).join(' · ');
  $('download-plan-json').href = `/api/plans/${runId}/plan.json`;
  $('download-plan-csv').href = `/api/plans/${runId}/plan.csv`;
  $('confirm-box').classList.toggle('hidden', view.confirm_total === 0);
  $('confirm').checked = false;
  const more = view.confirm_total - view.confirm.length;
  $('confirm-list').replaceChildren(...view.confirm.map((p) => el('li', {}, `${p.entity} · ${p.action} (${KINDS[p.kind] || p.kind})`)),
    ...(more > 0 ? [el('li', { class: 'hint' }, `y ${more} más (plan.csv los lista todos)`)] : []));
  const last = Math.min(view.offset + view.limit, view.total);
  $('plan-pages').classList.toggle('hidden', view.total <= view.limit);
  $('plan-page').textContent = `pares ${view.total ? view.offset + 1 : 0}-${last} de ${view.total}`;
  $('plan-prev').disabled = view.offset === 0;
  $('plan-next').disabled = view.next_offset === null;
  $('plan-groups').replaceChildren(...view.groups.map((g) => el('div', { class: 'entity' },
    el('h3', {}, `${g.label}: ${g.entity || '(sin clave)'}`, el('span', { class: 'hint' }, ` filas ${g.rows.join(', ')}`)),
    g.pairs.map((p) => el('div', { class: 'pair' },
      el('div', {}, el('b', {}, p.action), ' ', el('span', { class: 'kind-' + p.kind }, KINDS[p.kind] || p.kind), ` · ${reasons(p)}`,
        p.confirm ? el('span', { class: 'confirm' }, ' · requiere confirmación') : null),
      p.changes && p.fields.length ? el('table', { class: 'grid diff' },
        el('thead', {}, el('tr', {}, el('th', {}, 'campo'), el('th', {}, 'antes'), el('th', {}, 'después'))),
        el('tbody', {}, p.fields.map((f) => el('tr', {}, el('td', {}, f.field),
          el('td', { class: p.before_note ? 'hint' : 'before' }, p.before_note ? `(${p.before_note})` : fmt(f.before)), el('td', { class: 'after' }, fmt(f.after)))))) : null,
      p.calls.length ? el('pre', {}, p.calls.join('\n')) : null)))));
}

async function execute() {
  try {
    const job = await api('/api/execute', 'POST', { plan: state.plan.run_id, confirm: $('confirm').checked });
    startExecution(job);
  } catch (e) { show(e.message); }
}

async function schedulePlan() {
  try {
    const at = $('schedule-at').value;
    await api('/api/schedule', 'POST', { at, plan: state.plan.run_id, confirm: $('confirm').checked });
    show('ejecución programada', 'info');
    screen('programar');
  } catch (e) { show(e.message); }
}

// ------------------------------------------------------------------ execute

function eta(seconds) {
  if (seconds === null || seconds === undefined) return '--:--';
  const m = Math.floor(seconds / 60), s = seconds % 60;
  return `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

function startExecution(job) {
  show('');
  state.job = job;
  screen('ejecucion');
  for (const id of ['resume', 'retry', 'to-history', 'reread']) $(id).classList.add('hidden');
  $('stop').disabled = false;
  $('exec-run').textContent = job.run_id || '';
  const update = (p) => {
    state.run = p.run_id || state.run;
    $('exec-run').textContent = p.run_id || '';
    $('bar').style.width = p.total ? `${Math.round((100 * p.done) / p.total)}%` : '0';
    $('exec-line').textContent = `${p.done}/${p.total} · ok ${p.ok} · error ${p.failed} · ${p.rate}/s · ETA ${eta(p.eta_s)}` +
      (p.stopping ? ' · deteniendo…' : '') + (p.state !== 'running' ? ` · ${p.report ? p.report.state : p.state}` : '');
    $('pauses').replaceChildren(...p.pauses.map((line) => el('li', {}, line)));
    const LOTS = { queued: 'en cola', running: 'en curso', done: 'hecho', error: 'con errores' };
    $('lots').tBodies[0].replaceChildren(...p.lots.map((l) => el('tr', { class: 'lot-' + l.state }, el('td', {}, l.lot),
      el('td', {}, LOTS[l.state]), el('td', {}, l.pending || 0), el('td', {}, l.running || 0),
      el('td', {}, (l.executed || 0) + (l.skipped || 0) + (l.dry_run || 0)),
      el('td', {}, (l.error || 0) + (l.rejected || 0) + (l.timeout || 0)))));
    $('exec-log').textContent = p.log.join('\n');
  };
  follow(job, update, (p) => {
    $('stop').disabled = true;
    if (p.error) show(p.error);
    $('to-history').classList.remove('hidden');
    if (state.planRequest) $('reread').classList.remove('hidden');
    if (p.report && p.report.state === 'stopped') $('resume').classList.remove('hidden');
    if (p.failed) $('retry').classList.remove('hidden');
    $('exec-line').dataset.state = p.report ? p.report.state : p.state;
  });
}

async function stopJob() {
  try { await api(`/api/jobs/${state.job.job}/stop`, 'POST', {}); } catch (e) { show(e.message); }
}

async function continueRun(kind) {
  try { startExecution(await api(`/api/runs/${state.run}/${kind}`, 'POST', {})); } catch (e) { show(e.message); }
}

// ------------------------------------------------------------------ history

async function loadRuns() {
  const query = new URLSearchParams({ org: $('f-org').value, status: $('f-status').value, since: $('f-since').value, until: $('f-until').value });
  const data = await api('/api/runs?' + query);
  $('runs').tBodies[0].replaceChildren(...data.runs.map((r) => el('tr', { class: 'clickable', 'data-run': r.run_id, onclick: () => openRun(r.run_id) },
    el('td', {}, r.run_id), el('td', {}, r.dry_run ? 'simulación' : 'real'), el('td', {}, r.org), el('td', {}, r.operator),
    el('td', {}, r.inputs.join(', ')), el('td', { class: 'status-' + r.state }, r.state),
    el('td', {}, Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(' · ')))));
}

async function openRun(runId) {
  state.run = runId;
  const run = await api(`/api/runs/${runId}`);
  $('run-detail').classList.remove('hidden');
  $('run-detail').scrollIntoView();
  $('evidence').classList.add('hidden');
  $('revert-result').textContent = '';
  $('detail-id').textContent = runId;
  $('detail-head').textContent = `${run.dry_run ? 'simulación' : 'real'} · ${run.state} · org ${run.org || '—'} · operador ${run.operator || '—'} · ` +
    `acciones ${run.actions.join(', ')} · sesiones ${run.session_list.map((s) => `${s.kind} ${s.started_at} ${s.state || ''}`).join('; ')}`;
  $('downloads').replaceChildren(...run.downloads.map((name) => el('a', { class: 'button secondary', href: `/api/runs/${runId}/files/${name}` }, name)));
  $('revert-dry').disabled = run.dry_run;
  $('revert').disabled = true; // enabled once the simulation of the revert has run
  $('pairs').tBodies[0].replaceChildren(...run.tasks.map((t) => el('tr', { class: 'clickable', onclick: () => openPair(t) },
    el('td', {}, t.dataset), el('td', {}, t.row), el('td', {}, t.entity), el('td', {}, t.action),
    el('td', { class: 'status-' + t.status }, t.status), el('td', {}, t.category), el('td', {}, t.message))));
}

function describeEvent(event) {
  const p = event.payload || {};
  let title = event.event;
  if (event.event === 'request' && p.kind === 'action') title = `acción ${p.action}${p.dry_run ? ' (dry-run)' : ''}`;
  else if (event.event === 'request') title = `→ ${p.method} ${p.url}`;
  else if (event.event === 'response') title = `← ${p.status ?? p.status_code ?? ''} ${p.elapsed_ms ? p.elapsed_ms + ' ms' : ''}`;
  else if (event.event === 'summary') title = `resumen: ${p.status} (${p.category})`;
  const body = p.kind === 'action' ? p.params : (p.body !== undefined ? p.body : p);
  return el('div', { class: 'event' }, el('div', { class: 'meta' }, event.ts), el('b', {}, title),
    body === null || body === undefined ? null : el('pre', {}, JSON.stringify(body, null, 2)));
}

async function openPair(task) {
  state.pair = task;
  const data = await api(`/api/runs/${state.run}/evidence?` + new URLSearchParams({ action: task.action, dataset: task.dataset, row: task.row }));
  $('evidence').classList.remove('hidden');
  $('evidence-title').textContent = `${task.entity} · ${task.action}`;
  const summary = data.events.find((e) => e.event === 'summary');
  const calls = data.events.filter((e) => e.event === 'request' && e.payload && e.payload.method);
  $('tab-summary').replaceChildren(el('p', {}, `${task.status} · ${task.category} · ${task.message}`),
    el('p', {}, `intentos ${task.attempts} · llamadas ${task.api_calls} · reintentos ${task.retries} · ${task.duration_s} s · TrackingID ${task.tracking_id || '—'}`),
    el('ul', {}, calls.map((c) => el('li', {}, `${c.payload.method} ${c.payload.url}`))));
  $('tab-result').textContent = JSON.stringify(summary ? summary.payload : task, null, 2);
  $('tab-log').replaceChildren(...data.events.map(describeEvent));
  $('evidence').scrollIntoView();
}

function tab(name) {
  document.querySelectorAll('.tab').forEach((t) => t.classList.toggle('active', t.dataset.tab === name));
  document.querySelectorAll('.tab-body').forEach((b) => b.classList.toggle('hidden', b.id !== 'tab-' + name));
}

async function revertRun(dryRun) {
  try {
    const job = await api(`/api/runs/${state.run}/revert`, 'POST', { dry_run: dryRun });
    $('revert-result').textContent = 'revirtiendo…';
    follow(job, () => {}, (p) => {
      const manual = p.report && p.report.no_revertible && p.report.no_revertible.length
        ? ` · a mano en Control Hub: ${p.report.no_revertible.map((m) => `${m.entity}: ${m.step}`).join('; ')}` : '';
      $('revert-result').textContent = p.error ? p.error
        : `${dryRun ? 'simulación de la reversión' : 'reversión'}: ${p.report.state} · ejecución ${p.run_id}${manual}`;
      $('revert-result').dataset.state = p.report ? `${dryRun ? 'simulada' : 'revertida'}-${p.report.state}` : p.state;
      if (dryRun && p.report) $('revert').disabled = false;
    });
  } catch (e) { $('revert-result').textContent = e.message; }
}

// ------------------------------------------------------------------ schedule

function entryState(e) {
  const parts = [e.state];
  if (e.job) parts.push(`trabajo ${e.job}`);
  if (e.error) parts.push(e.error);
  if (e.note) parts.push(e.note);
  return parts.join(' · ');
}

async function loadSchedule() {
  const data = await api('/api/schedule');
  document.querySelectorAll('.sched-zone').forEach((span) => { span.textContent = data.zone; });
  $('entries').tBodies[0].replaceChildren(...data.entries.map((e) => el('tr', {}, el('td', {}, e.id), el('td', {}, e.local),
    el('td', {}, e.request.plan ? `plan ${e.request.plan}` : e.request.input), el('td', {}, entryState(e)),
    el('td', {}, e.state === 'programada' ? el('button', { class: 'secondary', onclick: () => cancelEntry(e.id) }, 'Cancelar') : ''))));
}

async function addSchedule() {
  try {
    await api('/api/schedule', 'POST', { at: $('sched-at').value, input: $('sched-folder').value, confirm: $('sched-confirm').checked });
    await loadSchedule();
  } catch (e) { show(e.message); }
}

async function cancelEntry(id) {
  try { await api(`/api/schedule/${id}/cancel`, 'POST', {}); await loadSchedule(); } catch (e) { show(e.message); }
}

// ------------------------------------------------------------------ wiring

document.addEventListener('DOMContentLoaded', async () => {
  await buildMenu();
  await loadFolders();
  await loadSchedule();
  document.querySelectorAll('input[name="mode"]').forEach((r) => r.addEventListener('change', () => {
    for (const m of ['bulk', 'single', 'form']) $('mode-' + m).classList.toggle('hidden', mode() !== m);
  }));
  const on = (id, fn) => $(id).addEventListener('click', fn);
  on('load-folder', loadFolder);
  on('upload', uploadFiles);
  on('revalidate', revalidate);
  on('plan-all', planAll);
  on('plan-action', planAction);
  on('execute', execute);
  on('schedule', schedulePlan);
  on('stop', stopJob);
  on('resume', () => continueRun('resume'));
  on('retry', () => continueRun('retry'));
  on('to-history', async () => { screen('historial'); await openRun(state.run); });
  on('filter', loadRuns);
  on('reread', async () => {
    try { startPlan(await api('/api/plan', 'POST', state.planRequest)); } catch (e) { show(e.message); }
  });
  on('revert-dry', () => revertRun(true));
  on('plan-prev', () => showPlan(state.plan.run_id, Math.max(0, state.plan.offset - state.plan.limit)).catch((e) => show(e.message)));
  on('plan-next', () => showPlan(state.plan.run_id, state.plan.next_offset).catch((e) => show(e.message)));
  on('revert', () => { if (window.confirm('¿Deshacer lo que escribió esta ejecución?')) revertRun(false); });
  on('sched-add', addSchedule);
  document.querySelectorAll('.tab').forEach((t) => t.addEventListener('click', () => tab(t.dataset.tab)));
  screen('carga');
  document.body.dataset.ready = '1';
});
