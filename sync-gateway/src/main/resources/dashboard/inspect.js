// The User inspector: what /api/admin/v1/inspect-user says one user syncs.

import { admin } from './api.js';
import { $, h, setChildren, showError, describe, busy, formatNumber, formatTime } from './dom.js';

export function initInspect() {
  $('inspect-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy($('inspect-submit'), inspect);
  });
}

export function resetInspect() {
  $('inspect-result').hidden = true;
  showError('inspect-error', '');
}

function parseJson(id, label, check) {
  const text = $(id).value.trim();
  if (!text) {
    return undefined;
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${label} is not valid JSON: ${e.message}`);
  }
  if (!check(value)) {
    throw new Error(`${label} must be ${check.expected}.`);
  }
  return value;
}

const isObject = Object.assign((v) => v !== null && typeof v === 'object' && !Array.isArray(v), { expected: 'a JSON object' });
const isArray = Object.assign((v) => Array.isArray(v), { expected: 'a JSON array of {"stream": ..., "parameters": {...}}' });

async function inspect() {
  showError('inspect-error', '');
  const user = $('inspect-user').value.trim();
  if (!user) {
    showError('inspect-error', 'Enter a user id.');
    $('inspect-user').focus();
    return;
  }
  const request = { user_id: user };
  try {
    const parameters = parseJson('inspect-parameters', 'Client parameters', isObject);
    const subscriptions = parseJson('inspect-subscriptions', 'Stream subscriptions', isArray);
    if (parameters !== undefined) {
      request.parameters = parameters;
    }
    request.streams = { include_defaults: $('inspect-defaults').checked, subscriptions: subscriptions ?? [] };
  } catch (error) {
    showError('inspect-error', error.message);
    return;
  }
  try {
    render(await admin.inspectUser(request));
  } catch (error) {
    $('inspect-result').hidden = true;
    showError('inspect-error', `Could not inspect ${user}: ${describe(error)}`);
  }
}

function errorText(e) {
  if (typeof e === 'string') {
    return e;
  }
  return [e.code, e.message ?? e.description].filter(Boolean).join(': ') || JSON.stringify(e);
}

function render(result) {
  const checkpoint = result.checkpoint;
  $('inspect-checkpoint').textContent = checkpoint ? String(checkpoint.op_id) : 'none yet';
  $('inspect-checkpoint-detail').textContent = checkpoint
    ? `source position ${checkpoint.source_position ?? '—'} · ${formatTime(checkpoint.ts)}` : '';
  $('inspect-connections').textContent = formatNumber(result.connections ?? 0);
  const buckets = result.buckets ?? [];
  $('inspect-bucket-count').textContent = formatNumber(buckets.length);
  $('inspect-op-count').textContent = formatNumber(buckets.reduce((sum, b) => sum + Number(b.count ?? 0), 0));

  const streams = result.streams ?? [];
  setChildren($('inspect-streams'), streams.length ? streams.map((s) => h('li', { 'data-testid': 'inspect-stream', 'data-stream': s.name },
    h('strong', {}, s.name), ' ',
    s.is_default ? h('span', { class: 'badge info' }, 'default') : h('span', { class: 'badge warn' }, 'subscribed'), ' ',
    (s.errors ?? []).length ? h('span', { class: 'badge bad' }, `${s.errors.length} error${s.errors.length === 1 ? '' : 's'}`)
      : h('span', { class: 'badge ok' }, 'ok'),
    (s.errors ?? []).length ? h('div', { class: 'errors' }, s.errors.map((e) => h('div', {}, errorText(e)))) : null))
    : h('li', { class: 'muted' }, 'No streams for this user.'));

  setChildren($('inspect-buckets-body'), buckets.length ? buckets.map((b) => h('tr', { 'data-testid': 'inspect-bucket-row', 'data-bucket': b.bucket },
    h('td', { class: 'mono' }, b.bucket ?? ''),
    h('td', {}, b.stream_or_definition ?? ''),
    h('td', { class: 'num' }, b.priority ?? '—'),
    h('td', { class: 'num', 'data-testid': 'inspect-bucket-count-cell' }, formatNumber(b.count)),
    h('td', { class: 'num mono' }, b.checksum ?? '—'),
    h('td', { class: 'num mono' }, b.last_op ?? '—')))
    : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'This user syncs no buckets.')));

  const errors = result.errors ?? [];
  setChildren($('inspect-errors-body'), errors.length ? errors.map((e) => h('tr', { 'data-testid': 'inspect-error-row' },
    h('td', {}, formatTime(e.ts)), h('td', { class: 'mono' }, e.code ?? ''), h('td', {}, e.message ?? '')))
    : h('tr', {}, h('td', { colspan: 3, class: 'empty' }, 'No recent sync errors.')));
  $('inspect-result').hidden = false;
  $('inspect-result').dataset.user = result.user_id ?? '';
}
