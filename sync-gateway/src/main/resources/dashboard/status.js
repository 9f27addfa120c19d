// The Status section: /status and /diagnostics every 2 s, rates from the deltas of the totals.

import { admin } from './api.js';
import { drawLineChart } from './charts.js';
import { $, h, setChildren, setText, showError, describe, formatNumber, formatBytes, formatDuration, formatTime } from './dom.js';

const INTERVAL_MS = 2000;
const WINDOW_MS = 5 * 60_000;

let timer = null;
let running = false;
let generation = 0;
/** One sample per poll: {t (client ms), serverT (ms or null), status}. */
let samples = [];
const diagnosticsListeners = new Set();

/** listener(diagnostics) after each successful diagnostics poll. */
export function onDiagnostics(listener) {
  diagnosticsListeners.add(listener);
}

export function startStatus() {
  if (running) {
    return;
  }
  running = true;
  generation++;
  samples = [];
  poll(generation);
}

export function stopStatus() {
  running = false;
  generation++;
  clearTimeout(timer);
  timer = null;
}

function serverTime(now) {
  if (typeof now === 'number') {
    return now < 1e12 ? now * 1000 : now;
  }
  const parsed = Date.parse(now ?? '');
  return Number.isNaN(parsed) ? null : parsed;
}

async function poll(mine) {
  const [status, diagnostics] = await Promise.allSettled([admin.status(), admin.diagnostics(false)]);
  if (mine !== generation) {
    return;
  }
  const problems = [];
  if (status.status === 'fulfilled') {
    const t = Date.now();
    samples.push({ t, serverT: serverTime(status.value?.now), status: status.value ?? {} });
    samples = samples.filter((s) => s.t >= t - WINDOW_MS - 10_000);
    renderStatus();
  } else {
    problems.push(`Status: ${describe(status.reason)}`);
  }
  if (diagnostics.status === 'fulfilled') {
    renderDiagnostics(diagnostics.value ?? {});
    diagnosticsListeners.forEach((listener) => listener(diagnostics.value ?? {}));
  } else {
    problems.push(`Diagnostics: ${describe(diagnostics.reason)}`);
  }
  showError('status-error', problems.join(' — '));
  const indicator = $('poll-indicator');
  indicator.textContent = problems.length ? 'Refresh failed' : `Updated ${new Date().toLocaleTimeString('en-GB', { hour12: false })}`;
  indicator.classList.toggle('stale', problems.length > 0);
  if (running) {
    timer = setTimeout(() => poll(mine), INTERVAL_MS);
  }
}

/** Per second, between each two consecutive samples, of the counter named; null across a restart. */
function rates(counter) {
  const points = [];
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1];
    const after = samples[i];
    const a = Number(before.status[counter]);
    const b = Number(after.status[counter]);
    const dt = (after.serverT !== null && before.serverT !== null && after.serverT > before.serverT
      ? after.serverT - before.serverT : after.t - before.t) / 1000;
    const known = Number.isFinite(a) && Number.isFinite(b) && b >= a && dt > 0
      && before.status[counter] !== null && after.status[counter] !== null;
    points.push({ t: after.t, v: known ? (b - a) / dt : null });
  }
  return points;
}

/** A duration for an axis label: 250ms, 1.5s, 3m. */
function shortDuration(ms) {
  if (ms < 1000) {
    return `${Math.round(ms)}ms`;
  }
  return ms < 60_000 ? `${Number((ms / 1000).toFixed(1))}s` : `${Number((ms / 60_000).toFixed(1))}m`;
}

function gauge(field) {
  return samples.map((s) => {
    const value = s.status[field];
    return { t: s.t, v: value === null || value === undefined ? null : Number(value) };
  });
}

function rateText(points) {
  const last = points.at(-1);
  if (!last) {
    return 'measuring…';
  }
  return last.v === null ? '—' : formatNumber(last.v, last.v < 10 ? 2 : 1);
}

function renderStatus() {
  const s = samples.at(-1).status;
  setText('status-replication-lag', s.replication_lag_ms === null || s.replication_lag_ms === undefined ? 'unknown' : formatDuration(s.replication_lag_ms));
  const checkpoint = s.last_checkpoint;
  setText('status-source-position', checkpoint?.source_position ?? 'no checkpoint yet');
  $('status-last-checkpoint').textContent = checkpoint ? `checkpoint ${checkpoint.op_id} at ${formatTime(checkpoint.ts)}` : '';
  setText('status-active-version', s.active_version === null || s.active_version === undefined ? 'none' : `v${s.active_version}`);
  setText('status-deploying-version', s.deploying_version === null || s.deploying_version === undefined ? 'none' : `v${s.deploying_version}`);
  setText('status-open-streams', formatNumber(s.open_streams));
  setText('status-buckets', formatNumber(s.buckets));
  setText('status-ops', formatNumber(s.ops));
  setText('status-storage', formatBytes(s.storage_bytes));
  const checkpoints = rates('checkpoints_total');
  const ops = rates('ops_written_total');
  setText('status-checkpoints-rate', rateText(checkpoints));
  setText('status-ops-rate', rateText(ops));
  const now = Date.now();
  const rate = (v) => formatNumber(v, v > 0 && v < 10 ? 1 : 0);
  drawLineChart($('chart-checkpoints'), checkpoints, { now, windowMs: WINDOW_MS, format: rate });
  drawLineChart($('chart-ops'), ops, { now, windowMs: WINDOW_MS, format: rate });
  drawLineChart($('chart-streams'), gauge('open_streams'), { now, windowMs: WINDOW_MS, format: (v) => formatNumber(v) });
  drawLineChart($('chart-lag'), gauge('replication_lag_ms'), { now, windowMs: WINDOW_MS, format: formatDuration, axis: shortDuration });
}

function levelBadge(level) {
  return h('span', { class: `badge ${level === 'fatal' ? 'bad' : 'warn'}` }, level ?? 'error');
}

function renderDiagnostics(d) {
  const rows = (d.connections ?? []).map((c) => h('tr', { 'data-testid': 'connection-row' },
    h('td', { class: 'mono' }, c.id ?? ''),
    h('td', {}, c.tag ?? ''),
    h('td', { class: 'mono' }, c.uri ?? ''),
    h('td', {}, h('span', { class: `badge ${c.connected ? 'ok' : 'bad'}` }, c.connected ? 'connected' : 'not connected')),
    h('td', {}, (c.errors ?? []).length
      ? h('ul', { class: 'plain' }, (c.errors ?? []).map((e) => h('li', {}, levelBadge(e.level), ' ', e.message ?? '')))
      : h('span', { class: 'muted' }, 'none'))));
  setChildren($('connections-body'), rows.length ? rows : h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No source connections reported')));

  const problems = [];
  for (const [label, rules] of [['active', d.active_sync_rules], ['deploying', d.deploying_sync_rules]]) {
    for (const e of rules?.errors ?? []) {
      const where = e.line ? ` (line ${e.line}${e.column ? `, column ${e.column}` : ''})` : '';
      problems.push(h('li', {}, levelBadge(e.level), ` v${rules.version} (${label})${where}: ${e.message ?? ''}`));
    }
  }
  setChildren($('sync-config-problems'), problems.length ? [h('h2', {}, 'Sync config problems'), h('ul', { class: 'plain' }, problems)] : []);
}
