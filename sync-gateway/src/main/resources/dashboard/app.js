// The dashboard: sign in with an admin API token, then the sections.

import { storedToken, storeToken, forgetToken, onUnauthorized, call, ApiError } from './api.js';
import { $, showError, describe, busy } from './dom.js';
import { startStatus, stopStatus } from './status.js';
import { initConfig, showConfig, resetConfig } from './config.js';
import { initTokens, resetTokens } from './tokens.js';
import { initInspect, resetInspect } from './inspect.js';

const TABS = ['status', 'config', 'tokens', 'inspect'];

function showLogin(message) {
  stopStatus();
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  showError('login-error', message);
  const input = $('login-token');
  input.value = '';
  input.focus();
}

function showApp() {
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  startStatus();
  selectTab(TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'status', false);
}

function selectTab(name, focus = true) {
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
    if (selected && focus) {
      button.focus();
    }
  }
  if (location.hash !== `#${name}`) {
    history.replaceState(null, '', `#${name}`);
  }
  if (name === 'config') {
    showConfig();
  }
}

/** Checks token against /status: resolves, or rejects with the message to show. */
async function check(token) {
  try {
    await call('/api/admin/v1/status', { body: {}, token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new Error(`The gateway refused this token (401): ${error.message}. Use one of api.tokens in the gateway's service.yaml.`);
    }
    if (error instanceof ApiError && error.status === 404) {
      throw new Error(`This gateway has no admin API (404 on /api/admin/v1/status): ${error.message}`);
    }
    throw new Error(`Could not check the token: ${describe(error)}`);
  }
}

function logOut(message) {
  forgetToken();
  resetConfig();
  resetTokens();
  resetInspect();
  showLogin(message);
}

function init() {
  initConfig();
  initTokens();
  initInspect();

  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('login-token').value.trim();
    if (!token) {
      showError('login-error', 'Enter the admin API token.');
      return;
    }
    showError('login-error', '');
    busy($('login-submit'), async () => {
      try {
        await check(token);
        storeToken(token);
        $('login-token').value = '';
        showApp();
      } catch (error) {
        showError('login-error', error.message);
        $('login-token').select();
      }
    });
  });

  $('logout').addEventListener('click', () => logOut(''));
  onUnauthorized((error) => logOut(`The gateway no longer accepts the token (401): ${error.message}. Sign in again.`));

  const tablist = document.querySelector('[role=tablist]');
  tablist.addEventListener('click', (event) => {
    const tab = event.target.closest('[role=tab]');
    if (tab) {
      selectTab(tab.dataset.tab, false);
    }
  });
  tablist.addEventListener('keydown', (event) => {
    const current = TABS.findIndex((t) => $(`tab-${t}`).getAttribute('aria-selected') === 'true');
    const moves = { ArrowRight: 1, ArrowLeft: -1 };
    if (event.key in moves) {
      event.preventDefault();
      selectTab(TABS[(current + moves[event.key] + TABS.length) % TABS.length]);
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      selectTab(event.key === 'Home' ? TABS[0] : TABS.at(-1));
    }
  });
  window.addEventListener('hashchange', () => {
    const name = location.hash.slice(1);
    if (TABS.includes(name) && !$('app-view').hidden) {
      selectTab(name, false);
    }
  });

  const token = storedToken();
  if (!token) {
    showLogin('');
    return;
  }
  check(token).then(showApp, (error) => {
    forgetToken();
    showLogin(error.message);
  });
}

init();
