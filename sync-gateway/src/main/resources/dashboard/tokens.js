// The Tokens section: development client tokens from /api/admin/v1/token.

import { admin } from './api.js';
import { $, showError, describe, busy, formatTime } from './dom.js';

/** The claims of a JWT, for display only (nothing is verified here). */
function claims(token) {
  try {
    const payload = token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
    const padded = payload + '='.repeat((4 - (payload.length % 4)) % 4);
    const json = new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return '';
  }
}

export function initTokens() {
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy($('token-generate'), generate);
  });
  $('token-copy').addEventListener('click', copy);
}

export function resetTokens() {
  $('token-result').hidden = true;
  $('token-value').value = '';
  showError('token-error', '');
}

async function generate() {
  showError('token-error', '');
  const subject = $('token-subject').value.trim();
  if (!subject) {
    showError('token-error', 'Enter the user id the token is for.');
    $('token-subject').focus();
    return;
  }
  try {
    const result = await admin.token(subject, Number($('token-lifetime').value));
    $('token-value').value = result.token;
    $('token-expires').textContent = result.expires_at ? `Expires ${formatTime(result.expires_at)}` : '';
    $('token-claims').textContent = claims(result.token);
    $('token-copied').textContent = '';
    $('token-result').hidden = false;
  } catch (error) {
    $('token-result').hidden = true;
    showError('token-error', `No token: ${describe(error)}`);
  }
}

async function copy() {
  const field = $('token-value');
  const status = $('token-copied');
  try {
    await navigator.clipboard.writeText(field.value);
    status.textContent = 'Copied to the clipboard.';
  } catch {
    // Without clipboard access (plain http on another host): select it for Ctrl+C.
    field.focus();
    field.select();
    status.textContent = 'Selected: press Ctrl+C to copy.';
  }
}
