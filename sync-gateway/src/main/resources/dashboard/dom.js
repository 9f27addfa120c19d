// Small DOM and formatting helpers: every text goes in as text, never as markup.

export const $ = (id) => document.getElementById(id);

/** An element with attributes (class, data-*, aria-*, ...) and children (nodes or text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function setChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

export function setText(id, text) {
  $(id).textContent = text === null || text === undefined || text === '' ? '—' : String(text);
}

/** Shows message in the element (role=alert), or hides it when message is empty. */
export function showError(id, message) {
  const element = $(id);
  element.textContent = message ? String(message) : '';
  element.hidden = !message;
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) {
    return '—';
  }
  return Number(value).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) {
    return '—';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toLocaleString('en-US', { maximumFractionDigits: unit === 0 ? 0 : 1 })} ${units[unit]}`;
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(Number(ms))) {
    return '—';
  }
  const value = Number(ms);
  if (value < 1000) {
    return `${Math.round(value)} ms`;
  }
  if (value < 60_000) {
    return `${(value / 1000).toFixed(1)} s`;
  }
  if (value < 3_600_000) {
    return `${Math.floor(value / 60_000)} min ${Math.round((value % 60_000) / 1000)} s`;
  }
  return `${(value / 3_600_000).toFixed(1)} h`;
}

/** A timestamp as local time, with how long ago. */
export function formatTime(ts) {
  if (!ts) {
    return '—';
  }
  const date = new Date(ts);
  if (Number.isNaN(date.getTime())) {
    return String(ts);
  }
  const ago = Date.now() - date.getTime();
  const when = date.toLocaleString('en-GB', { hour12: false });
  return ago >= 0 && ago < 86_400_000 ? `${when} (${formatDuration(ago)} ago)` : when;
}

/** The text of any error: ApiError's description and code, or the message. */
export function describe(error) {
  return error && typeof error.toString === 'function' && error.name === 'ApiError' ? error.toString() : String(error?.message ?? error);
}

/** Shows a modal confirmation; resolves true when the user chose to continue. */
export function confirmAction(title, text, okLabel = 'Continue') {
  const dialog = $('confirm-dialog');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

/** Runs task with button disabled, so a second click does not send the request twice. */
export async function busy(button, task) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await task();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
