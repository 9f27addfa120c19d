// The gateway's dashboard in headless Chromium, as an operator uses it:
//   node dashboard.mjs <gateway url> <admin token> <user id> <screenshot folder>
// Signs in (a wrong token first), waits for live status, breaks the sync config and sees the
// error's line, makes a valid edit, deploys it and waits until it is active, inspects the user's
// buckets, generates a development token and logs out. Screenshots go to the folder; any failure
// ends with exit code 1 and says what was expected. CHROMIUM names the browser (/usr/bin/chromium).

import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [gateway, adminToken, userId, screenshots] = process.argv.slice(2);
if (!gateway || !adminToken || !userId || !screenshots) {
  console.error('usage: node dashboard.mjs <gateway url> <admin token> <user id> <screenshot folder>');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`DASHBOARD FAILED: no Chromium at ${executablePath} (apt-get install chromium)`);
  process.exit(1);
}
mkdirSync(screenshots, { recursive: true });

const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

class Failure extends Error {}
function expect(condition, message) {
  if (!condition) {
    throw new Failure(message);
  }
}

/** Polls check() until it answers something truthy, or fails with what() after timeout ms. */
async function until(what, check, timeout = 30_000, interval = 250) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) {
        return value;
      }
      last = value;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) {
      throw new Failure(`timed out after ${timeout / 1000} s waiting for ${what} (last seen: ${JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * The config with a new stream, a copy of the first stream's query under another name and not
 * auto-subscribed, added at the end of the top-level streams: block. Valid whenever the original is.
 */
function withExtraStream(config, name) {
  const lines = config.split('\n');
  const start = lines.findIndex((line) => /^streams:\s*$/.test(line));
  expect(start >= 0, `the deployed sync config has no top-level "streams:" block:\n${config}`);
  let end = start + 1;
  while (end < lines.length && (lines[end].trim() === '' || /^\s/.test(lines[end]) || lines[end].trimStart().startsWith('#'))) {
    end++;
  }
  while (end > start + 1 && lines[end - 1].trim() === '') {
    end--;
  }
  const block = lines.slice(start + 1, end);
  const indent = (block.find((line) => line.trim() && !line.trim().startsWith('#')) ?? '  ').match(/^\s*/)[0];
  const queryLine = block.find((line) => /^\s+query:\s*\S/.test(line) && line.match(/^\s*/)[0].length > indent.length);
  expect(queryLine, `no stream with a one-line query in the streams: block:\n${block.join('\n')}`);
  const query = queryLine.trim();
  const inner = queryLine.match(/^\s*/)[0];
  lines.splice(end, 0, `${indent}${name}:`, `${inner}${query}`);
  return { text: lines.join('\n'), line: end + 2 };
}

const pageErrors = [];
let browser;
let page;
try {
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (error) => {
    pageErrors.push(error.message);
    console.log(`page error: ${error.message}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
      console.log(`console error: ${message.text()}`);
    }
  });
  const id = (testId) => page.getByTestId(testId);

  // ---- sign in: a wrong token is refused with a message, the right one opens the dashboard
  await page.goto(`${gateway}/`);
  await id('login-form').waitFor({ state: 'visible' });
  await id('login-token').fill('not-the-admin-token');
  await id('login-submit').click();
  await id('login-error').waitFor({ state: 'visible' });
  const refusal = await id('login-error').textContent();
  expect(/401/.test(refusal) && /refused/i.test(refusal), `a wrong token should be refused with a 401 message, got: ${refusal}`);
  expect(await id('app-view').isHidden(), 'the dashboard opened with a wrong token');
  log(`wrong token refused: ${refusal}`);
  await page.screenshot({ path: join(screenshots, '00-login-refused.png') });

  await id('login-token').fill(adminToken);
  await id('login-submit').click();
  await id('app-view').waitFor({ state: 'visible' });
  expect(await page.evaluate(() => Object.values(sessionStorage).length) === 1, 'the token is not kept in sessionStorage');
  log('signed in');
  const rawStatus = () => page.evaluate(async () => (await fetch('/api/admin/v1/status', {
    method: 'POST', headers: { Authorization: `Bearer ${Object.values(sessionStorage)[0]}`, 'Content-Type': 'application/json' }, body: '{}',
  })).text());
  log(`status answer: ${(await rawStatus()).replace(/\s+/g, ' ')}`);

  // ---- status: a source position, open streams, and charts with a few points
  const position = await until('a last source position in the Status section', async () => {
    const text = (await id('status-source-position').textContent()).trim();
    return text && text !== '—' && text !== 'no checkpoint yet' ? text : null;
  }, 60_000);
  const streams = await until('open streams > 0 in the Status section', async () => {
    const n = Number((await id('status-open-streams').textContent()).replaceAll(',', ''));
    return n > 0 ? n : null;
  }, 60_000);
  await until('three polls drawn in the charts', async () => Number(await id('chart-streams').getAttribute('data-points')) >= 3, 30_000);
  const activeBefore = Number((await id('status-active-version').textContent()).replace(/^v/, ''));
  expect(activeBefore > 0, `the Status section should name the active version, got ${await id('status-active-version').textContent()}`);
  const rate = await id('status-checkpoints-rate').textContent();
  expect(/\d/.test(rate), `checkpoints/s should be a number after three polls, got ${rate}`);
  expect(await id('status-error').isHidden(), `the Status section shows an error: ${await id('status-error').textContent()}`);
  log(`status answer: ${(await rawStatus()).replace(/\s+/g, ' ')}`);
  log(`status: position ${position}, ${streams} open streams, active v${activeBefore}, ${rate} checkpoints/s`);
  await page.screenshot({ path: join(screenshots, '01-status.png'), fullPage: true });

  // ---- sync config: an invalid edit shows its line; clicking the problem moves the cursor there
  await id('tab-config').click();
  await id('panel-config').waitFor({ state: 'visible' });
  const original = await until('the deployed sync config in the editor', async () => {
    const value = await id('config-editor').inputValue();
    return value.trim() ? value : null;
  });
  const originalLines = original.split('\n');
  const queryIndex = originalLines.findIndex((line) => /^\s+query:\s*SELECT\b/i.test(line));
  expect(queryIndex >= 0, `no "query: SELECT" line in the deployed sync config:\n${original}`);
  const broken = [...originalLines];
  broken[queryIndex] = broken[queryIndex].replace(/SELECT\b/i, 'SELECT FROM WHERE (');
  await id('config-editor').fill(broken.join('\n'));
  await id('config-validate').click();
  const issue = id('validation-issue').first();
  await issue.waitFor({ state: 'visible' });
  const issueLine = Number(await issue.getAttribute('data-line'));
  const issueLevel = await issue.getAttribute('data-level');
  const issueText = await issue.textContent();
  expect(issueLine === queryIndex + 1, `the validation error should be on line ${queryIndex + 1}, it says line ${issueLine}: ${issueText}`);
  expect(issueLevel === 'fatal', `the broken query should be an error, it is ${issueLevel}: ${issueText}`);
  expect(/line \d+/.test(issueText), `the problem should show its line: ${issueText}`);
  await issue.click();
  const cursorLine = Number(await id('config-cursor').getAttribute('data-line'));
  expect(cursorLine === issueLine, `clicking the problem should move the cursor to line ${issueLine}, it is on ${cursorLine}`);
  expect(await page.evaluate(() => document.activeElement?.id) === 'config-editor', 'the editor should have the focus');
  log(`invalid edit: ${issueText.trim()}`);
  await page.screenshot({ path: join(screenshots, '02-validation-error.png'), fullPage: true });

  // ---- a valid edit, validated and deployed, followed until active
  const streamName = `dashboard_check_${Date.now().toString(36)}`;
  const edited = withExtraStream(original, streamName);
  await id('config-editor').fill(edited.text);
  await id('config-validate').click();
  await until('a clean validation of the valid edit', async () => {
    const result = await id('validation-summary').getAttribute('data-result');
    if (result === 'errors' || result === 'failed') {
      throw new Failure(`the valid edit was refused: ${await id('validation-summary').textContent()} `
        + `${(await id('validation-issues').textContent()).trim()} ${(await id('config-error').textContent()).trim()}`);
    }
    return result === 'ok' || result === 'warnings';
  });
  await id('config-deploy').click();
  const deployed = await until('the deploy to answer a version', async () => {
    const error = await id('config-error').isVisible() ? await id('config-error').textContent() : '';
    if (error) {
      throw new Failure(`deploy failed: ${error}`);
    }
    const version = Number(await id('deploy-progress').getAttribute('data-version'));
    return version > 0 ? version : null;
  });
  expect(deployed > activeBefore, `the new version ${deployed} should be newer than ${activeBefore}`);
  log(`deployed as version ${deployed}`);
  const states = new Set();
  await until(`version ${deployed} to become active`, async () => {
    const state = await id('deploy-progress').getAttribute('data-state');
    states.add(state);
    if (state === 'failed' || state === 'superseded') {
      throw new Failure(`the deployment ${state}: ${await id('deploy-progress').textContent()}`);
    }
    return state === 'active';
  }, 180_000, 100);
  log(`progress went through ${[...states].join(' -> ')}`);
  await until(`the Status section to show v${deployed} active`, async () =>
    (await id('status-active-version').textContent()).trim() === `v${deployed}`, 15_000);
  expect((await id('config-version').textContent()).includes(`v${deployed}`),
    `the editor's header should name v${deployed}: ${await id('config-version').textContent()}`);
  await page.screenshot({ path: join(screenshots, '03-deployed.png'), fullPage: true });

  // ---- compaction on demand, after a confirmation
  await id('config-compact').click();
  await id('confirm-dialog').waitFor({ state: 'visible' });
  await id('confirm-ok').click();
  await until('the compaction result', async () => {
    const state = await id('compact-result').getAttribute('data-state');
    if (state === 'failed') {
      throw new Failure(`compaction failed: ${await id('compact-result').textContent()}`);
    }
    return state === 'done';
  }, 60_000);
  log(`compacted: ${(await id('compact-result').innerText()).replace(/\s+/g, ' ')}`);

  // ---- reprocessing builds the same config again as the next version
  await id('config-reprocess').click();
  await id('confirm-dialog').waitFor({ state: 'visible' });
  await id('confirm-ok').click();
  const reprocessed = await until('reprocess to answer a version', async () => {
    if (await id('config-error').isVisible()) {
      throw new Failure(`reprocess failed: ${await id('config-error').textContent()}`);
    }
    const version = Number(await id('deploy-progress').getAttribute('data-version'));
    return version > deployed ? version : null;
  });
  await until(`reprocessed version ${reprocessed} to become active`, async () => {
    const state = await id('deploy-progress').getAttribute('data-state');
    if (state === 'failed' || state === 'superseded') {
      throw new Failure(`reprocessing ${state}: ${await id('deploy-progress').textContent()}`);
    }
    return state === 'active';
  }, 180_000, 100);
  log(`reprocessed as version ${reprocessed}, active`);

  // ---- the user inspector: the user's buckets with their counts
  await id('tab-inspect').click();
  await id('inspect-user').fill(userId);
  await id('inspect-submit').click();
  await until(`the inspector's answer for ${userId}`, async () => {
    if (await id('inspect-error').isVisible()) {
      throw new Failure(`inspect-user failed: ${await id('inspect-error').textContent()}`);
    }
    return (await id('inspect-result').getAttribute('data-user')) === userId && await id('inspect-result').isVisible();
  });
  const buckets = await id('inspect-bucket-row').count();
  expect(buckets > 0, `${userId} should have buckets, the table says: ${await id('inspect-buckets').textContent()}`);
  const counts = await id('inspect-bucket-count-cell').allTextContents();
  expect(counts.some((count) => Number(count.replaceAll(',', '')) > 0), `some bucket of ${userId} should hold rows, counts: ${counts}`);
  const checkpoint = (await id('inspect-checkpoint').textContent()).trim();
  expect(/^\d+$/.test(checkpoint), `the user's last checkpoint should be an op id, got ${checkpoint}`);
  const streamNames = await page.locator('[data-testid=inspect-stream]').evaluateAll((items) => items.map((i) => i.dataset.stream));
  expect(streamNames.length > 0, 'the inspector should list the user\'s streams');
  log(`inspector: ${buckets} buckets (counts ${counts.join(', ')}), checkpoint ${checkpoint}, streams ${streamNames.join(', ')}, `
    + `${(await id('inspect-connections').textContent()).trim()} open connection(s)`);
  await page.screenshot({ path: join(screenshots, '04-user-inspector.png'), fullPage: true });

  // ---- a development token, then log out
  await id('tab-tokens').click();
  await id('token-subject').fill(userId);
  await id('token-generate').click();
  await until('a generated token', async () => {
    if (await id('token-error').isVisible()) {
      throw new Failure(`token generation failed: ${await id('token-error').textContent()}`);
    }
    return (await id('token-value').inputValue()).split('.').length === 3;
  });
  const claims = JSON.parse(await id('token-claims').textContent());
  expect(claims.sub === userId, `the token's subject should be ${userId}: ${JSON.stringify(claims)}`);
  await page.screenshot({ path: join(screenshots, '05-token.png'), fullPage: true });

  await id('logout').click();
  await id('login-form').waitFor({ state: 'visible' });
  expect(await page.evaluate(() => Object.values(sessionStorage).length) === 0, 'log out should forget the token');
  expect(pageErrors.length === 0, `the page threw: ${pageErrors.join('; ')}`);
  console.log(`DASHBOARD OK in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await browser.close();
  process.exit(0);
} catch (error) {
  console.error(`DASHBOARD FAILED: ${error instanceof Failure ? error.message : error.stack ?? error}`);
  if (page) {
    await page.screenshot({ path: join(screenshots, 'failure.png'), fullPage: true }).catch(() => {});
  }
  await browser?.close().catch(() => {});
  process.exit(1);
}
