// The Sync config section: an editor with line numbers, validation, deployment and its progress.

import { admin, ApiError } from './api.js';
import { $, h, setChildren, showError, describe, confirmAction, busy, formatTime } from './dom.js';

const PROGRESS_INTERVAL_MS = 1000;
const PROGRESS_LIMIT_MS = 15 * 60_000;

let loadedContent = null;
let issueLines = new Set();
let tracking = 0;

export function initConfig() {
  const editor = $('config-editor');
  editor.addEventListener('input', () => {
    renderGutter();
    updateCursor();
  });
  editor.addEventListener('scroll', () => {
    $('config-gutter').scrollTop = editor.scrollTop;
  });
  for (const event of ['keyup', 'click', 'select', 'focus']) {
    editor.addEventListener(event, updateCursor);
  }
  editor.addEventListener('keydown', (event) => {
    // Tab indents by two spaces, as YAML wants, instead of leaving the editor; Escape then Tab leaves.
    if (event.key === 'Tab' && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey && !editor.dataset.escaped) {
      event.preventDefault();
      editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end');
      renderGutter();
      updateCursor();
    }
    if (event.key === 'Escape') {
      editor.dataset.escaped = '1';
    } else if (event.key !== 'Tab') {
      delete editor.dataset.escaped;
    }
  });
  $('config-reload').addEventListener('click', async () => {
    if (isDirty() && !(await confirmAction('Discard your edits?', 'The editor will show the deployed sync config again; your changes are lost.', 'Discard'))) {
      return;
    }
    await busy($('config-reload'), () => loadCurrent(true));
  });
  $('config-validate').addEventListener('click', () => busy($('config-validate'), validate));
  $('config-deploy').addEventListener('click', () => busy($('config-deploy'), deploy));
  $('config-reprocess').addEventListener('click', reprocess);
  $('config-compact').addEventListener('click', compact);
  renderGutter();
}

/** Called when the section is shown: loads the deployed config the first time, or when not edited. */
export async function showConfig() {
  if (loadedContent === null || !isDirty()) {
    await loadCurrent(loadedContent === null);
  } else {
    await refreshVersionLabel();
  }
}

export function resetConfig() {
  loadedContent = null;
  tracking++;
  $('config-editor').value = '';
  issueLines = new Set();
  renderGutter();
  setChildren($('validation-issues'));
  $('validation-summary').textContent = 'Not validated yet.';
  const progress = $('deploy-progress');
  progress.dataset.state = 'idle';
  setChildren(progress, h('p', { class: 'muted' }, 'Nothing deployed from here yet.'));
  $('compact-card').hidden = true;
  showError('config-error', '');
}

function isDirty() {
  return loadedContent !== null && $('config-editor').value !== loadedContent;
}

function versionLabel(current) {
  const parts = [];
  parts.push(current?.current ? `Active: v${current.current.version}` : 'No sync config active yet');
  if (current?.current?.last_checkpoint_ts) {
    parts.push(`last checkpoint ${formatTime(current.current.last_checkpoint_ts)}`);
  }
  if (current?.next) {
    parts.push(`deploying: v${current.next.version} (${current.next.state ?? 'PROCESSING'})`);
  }
  return parts.join(' · ');
}

async function refreshVersionLabel() {
  try {
    $('config-version').textContent = versionLabel(await admin.currentSyncConfig());
  } catch (error) {
    showError('config-error', `Could not read the current sync config: ${describe(error)}`);
  }
}

async function loadCurrent(replaceEditor) {
  showError('config-error', '');
  try {
    const current = await admin.currentSyncConfig();
    $('config-version').textContent = versionLabel(current);
    // While a version deploys, the newest text is the one being deployed.
    const content = current?.next?.content ?? current?.current?.content ?? '';
    if (replaceEditor || !isDirty()) {
      $('config-editor').value = content;
      loadedContent = content;
      issueLines = new Set();
      renderGutter();
      updateCursor();
    }
  } catch (error) {
    showError('config-error', `Could not read the current sync config: ${describe(error)}`);
  }
}

// ---- line numbers and the cursor

function renderGutter() {
  const editor = $('config-editor');
  const count = editor.value.split('\n').length;
  const gutter = $('config-gutter');
  const lines = [];
  for (let i = 1; i <= count; i++) {
    lines.push(issueLines.has(i) ? h('span', { class: 'hl' }, String(i)) : String(i));
    lines.push('\n');
  }
  setChildren(gutter, lines);
  gutter.scrollTop = editor.scrollTop;
}

function cursorPosition() {
  const editor = $('config-editor');
  const before = editor.value.slice(0, editor.selectionStart);
  const lines = before.split('\n');
  return { line: lines.length, column: lines.at(-1).length + 1 };
}

function updateCursor() {
  const { line, column } = cursorPosition();
  const cursor = $('config-cursor');
  cursor.textContent = `Line ${line}, column ${column}`;
  cursor.dataset.line = String(line);
  cursor.dataset.column = String(column);
}

/** Puts the cursor at line:column (1-based) and scrolls it into view. */
export function moveCursor(line, column = 1) {
  const editor = $('config-editor');
  const lines = editor.value.split('\n');
  const target = Math.min(Math.max(1, line), lines.length);
  let offset = 0;
  for (let i = 0; i < target - 1; i++) {
    offset += lines[i].length + 1;
  }
  offset += Math.min(Math.max(1, column || 1) - 1, lines[target - 1].length);
  editor.focus();
  editor.setSelectionRange(offset, offset);
  const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 20;
  editor.scrollTop = Math.max(0, (target - 1) * lineHeight - editor.clientHeight / 3);
  $('config-gutter').scrollTop = editor.scrollTop;
  updateCursor();
}

// ---- validation

/** Errors of any of the shapes the API uses: a list, {errors: [...]}, or a SyncRulesStatus. */
function issuesOf(value) {
  if (Array.isArray(value)) {
    return value;
  }
  if (value && Array.isArray(value.errors)) {
    return value.errors;
  }
  return [];
}

function renderIssues(issues, context) {
  issueLines = new Set(issues.filter((i) => i.line).map((i) => Number(i.line)));
  renderGutter();
  const errors = issues.filter((i) => i.level !== 'warning').length;
  const warnings = issues.length - errors;
  const summary = $('validation-summary');
  if (issues.length === 0) {
    summary.textContent = `${context}: no problems found.`;
    summary.dataset.result = 'ok';
  } else {
    const counts = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : null, warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : null];
    summary.textContent = `${context}: ${counts.filter(Boolean).join(', ')}.`;
    summary.dataset.result = errors ? 'errors' : 'warnings';
  }
  setChildren($('validation-issues'), issues.map((issue) => {
    const level = issue.level === 'warning' ? 'warning' : issue.level === 'fatal' ? 'fatal' : 'error-level';
    const where = issue.line ? `line ${issue.line}${issue.column ? `, column ${issue.column}` : ''}` : 'no position';
    const content = [h('span', { class: `badge ${issue.level === 'warning' ? 'warn' : 'bad'}` }, issue.level ?? 'error'),
      h('span', { class: 'where' }, where), h('span', {}, issue.message ?? String(issue))];
    return h('li', {}, issue.line
      ? h('button', {
        type: 'button', class: level, 'data-testid': 'validation-issue', 'data-line': issue.line, 'data-column': issue.column ?? 1,
        'data-level': issue.level ?? 'error', 'aria-label': `${issue.level ?? 'error'} at ${where}: ${issue.message ?? ''}. Go there.`,
        onclick: () => moveCursor(Number(issue.line), Number(issue.column ?? 1)),
      }, content)
      : h('div', { class: `card ${level}`, 'data-testid': 'validation-issue', 'data-level': issue.level ?? 'error' }, content));
  }));
}

async function validate() {
  showError('config-error', '');
  const summary = $('validation-summary');
  summary.textContent = 'Validating…';
  delete summary.dataset.result;
  try {
    const result = await admin.validate($('config-editor').value);
    renderIssues(issuesOf(result), 'Validation');
  } catch (error) {
    summary.textContent = 'Validation failed.';
    summary.dataset.result = 'failed';
    showError('config-error', `Validation failed: ${describe(error)}`);
  }
}

// ---- deploying and its progress

async function deploy() {
  showError('config-error', '');
  const yaml = $('config-editor').value;
  if (!yaml.trim()) {
    showError('config-error', 'The sync config is empty.');
    return;
  }
  let result;
  try {
    result = await admin.deploy(yaml);
  } catch (error) {
    if (error instanceof ApiError && issuesOf(error.details).length) {
      renderIssues(issuesOf(error.details), 'Not deployed');
    }
    showError('config-error', `Deploy failed: ${describe(error)}`);
    return;
  }
  loadedContent = yaml;
  renderIssues([], 'Deployed');
  track(Number(result?.version), `Deployed as version ${result?.version} (${result?.slot_name ?? 'no slot name'})`);
}

async function reprocess() {
  if (!(await confirmAction('Reprocess the sync config?',
    'A new version of the active sync config is built from a fresh snapshot of the source; clients move to it once it is complete.',
    'Reprocess'))) {
    return;
  }
  showError('config-error', '');
  await busy($('config-reprocess'), async () => {
    try {
      const result = await admin.reprocess();
      const slot = result?.connections?.[0]?.slot_name ?? result?.slot_name ?? '';
      const match = /(\d+)$/.exec(slot);
      const version = Number.isFinite(Number(result?.version)) && result?.version !== undefined ? Number(result.version)
        : match ? Number(match[1]) : NaN;
      track(version, `Reprocessing as ${Number.isFinite(version) ? `version ${version}` : 'a new version'}${slot ? ` (${slot})` : ''}`);
    } catch (error) {
      showError('config-error', `Reprocess failed: ${describe(error)}`);
    }
  });
}

async function compact() {
  if (!(await confirmAction('Compact the buckets now?',
    'Every bucket of the active version is compacted up to its last checkpoint. Clients keep syncing; it can take a while on large storage.',
    'Compact'))) {
    return;
  }
  showError('config-error', '');
  await busy($('config-compact'), async () => {
    const card = $('compact-card');
    const output = $('compact-result');
    card.hidden = false;
    output.dataset.state = 'running';
    setChildren(output, h('p', { class: 'muted' }, 'Compacting…'));
    try {
      const result = await admin.compact();
      output.dataset.state = 'done';
      setChildren(output, h('dl', { class: 'kv' }, Object.entries(result ?? {}).flatMap(([key, value]) => [
        h('dt', {}, key.replaceAll('_', ' ')), h('dd', {}, typeof value === 'object' ? JSON.stringify(value) : String(value))])));
    } catch (error) {
      output.dataset.state = 'failed';
      setChildren(output, h('p', { class: 'error' }, `Compaction failed: ${describe(error)}`));
    }
  });
}

function renderProgress(version, headline, state, detail, errors = []) {
  const progress = $('deploy-progress');
  progress.dataset.state = state;
  progress.dataset.version = Number.isFinite(version) ? String(version) : '';
  const order = ['submitted', 'deploying', 'active'];
  const reached = state === 'active' ? 2 : state === 'deploying' ? 1 : 0;
  const labels = { submitted: 'Submitted', deploying: 'Deploying: initial replication into the new version', active: 'Active: clients sync from it' };
  setChildren(progress,
    h('p', {}, h('strong', { 'data-testid': 'deploy-version' }, headline)),
    h('ol', { class: 'steps' }, order.map((step, i) => h('li', {
      class: i < reached || (i === reached && state === 'active') ? 'done' : i === reached ? 'current' : null,
    }, labels[step]))),
    h('p', { class: state === 'failed' ? 'error' : 'muted', 'data-testid': 'deploy-state' }, detail),
    errors.length ? h('ul', { class: 'plain error' }, errors.map((e) => h('li', {},
      `${e.level ?? 'error'}${e.line ? ` (line ${e.line}${e.column ? `, column ${e.column}` : ''})` : ''}: ${e.message ?? ''}`))) : null);
}

/** Follows version through /diagnostics until it is active (or replaced, or the time is up). */
async function track(version, headline) {
  const mine = ++tracking;
  const started = Date.now();
  renderProgress(version, headline, 'submitted', 'Waiting for the writer to pick it up…');
  while (mine === tracking) {
    let diagnostics;
    try {
      diagnostics = await admin.diagnostics(false);
    } catch (error) {
      renderProgress(version, headline, 'submitted', `Could not read the progress: ${describe(error)}; retrying.`);
      diagnostics = null;
    }
    if (mine !== tracking) {
      return;
    }
    if (diagnostics) {
      const active = diagnostics.active_sync_rules;
      const deploying = diagnostics.deploying_sync_rules;
      const target = Number.isFinite(version) ? version : deploying?.version;
      if (active && target !== undefined && Number(active.version) === Number(target)) {
        renderProgress(target, headline, 'active', `Version ${target} is active.`, active.errors ?? []);
        await refreshVersionLabel();
        return;
      }
      if (deploying && Number(deploying.version) === Number(target)) {
        const connection = deploying.connections?.[0];
        const detail = connection
          ? `Version ${target} is ${String(deploying.state ?? 'PROCESSING').toLowerCase()}: initial replication ${connection.initial_replication_done ? 'done' : 'running'}, last checkpoint ${connection.last_checkpoint ?? 'none yet'}.`
          : `Version ${target} is ${String(deploying.state ?? 'PROCESSING').toLowerCase()}.`;
        const fatal = (deploying.errors ?? []).some((e) => e.level === 'fatal');
        renderProgress(target, headline, fatal ? 'failed' : 'deploying', detail, deploying.errors ?? []);
      } else if (active && Number.isFinite(Number(target)) && Number(active.version) > Number(target)) {
        renderProgress(target, headline, 'superseded', `Version ${active.version} replaced version ${target} before it became active.`);
        return;
      }
    }
    if (Date.now() - started > PROGRESS_LIMIT_MS) {
      renderProgress(version, headline, 'failed', 'Still not active after 15 minutes: see the Status section and the gateway log.');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, PROGRESS_INTERVAL_MS));
  }
}
