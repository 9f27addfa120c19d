// The official PowerSync Node SDK against our sync gateway. Run by OfficialClientIT with:
//   ENDPOINT      the gateway's base URL
//   TOKEN         a client token (HS256, development key) for user u1
//   BACKEND_URL   the test backend: POST /upload applies the client's writes, POST /source runs a statement
//   FRAMING       ndjson or bson: which framing the client asks for
//   DB_DIR        where the client's SQLite file goes
//   RUN           this run's prefix: its user is <RUN>-user, its rows' ids start with <RUN>- (seeded by the test:
//                 announcements a1..a3, lists L1 and L2 of the user and L3 of another, todos t1 and t2 in L1, t3 in L2)
// Prints "COMPAT OK <json of figures>" and exits 0 when every check holds; throws otherwise.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { PowerSyncDatabase, Schema, Table, column } from '@powersync/node';

const { ENDPOINT, TOKEN, BACKEND_URL, FRAMING, DB_DIR, RUN } = process.env;
const R = (id) => `${RUN}-${id}`;
const LIVE_LIMIT_MS = 2000;

function check(condition, message) {
  if (!condition) {
    throw new Error('check failed: ' + message);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, limitMs, probe) {
  const started = Date.now();
  for (;;) {
    if (await probe()) {
      return Date.now() - started;
    }
    if (Date.now() - started > limitMs) {
      throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    }
    await sleep(10);
  }
}

async function source(sql, params = []) {
  const response = await fetch(`${BACKEND_URL}/source`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql, params })
  });
  check(response.ok, `backend /source answered ${response.status}: ${await response.text()}`);
}

// Which framing the client asks for: it prefers BSON; for NDJSON its Accept header is narrowed.
const requests = [];
const customFetch = (resource, init = {}) => {
  const headers = new Headers(init.headers);
  const url = String(resource);
  if (url.endsWith('/sync/stream') && FRAMING === 'ndjson') {
    headers.set('accept', 'application/x-ndjson');
  }
  const started = fetch(resource, { ...init, headers });
  started.then((response) => requests.push({ url: url.replace(ENDPOINT, ''), status: response.status,
    type: response.headers.get('content-type') })).catch(() => {});
  return started;
};

mkdirSync(DB_DIR, { recursive: true });
const db = new PowerSyncDatabase({
  schema: new Schema({
    announcements: new Table({ title: column.text }),
    lists: new Table({ name: column.text, owner_id: column.text }),
    todos: new Table({ list_id: column.text, description: column.text, completed: column.integer })
  }),
  database: { dbFilename: `compat-${FRAMING}.db`, dbLocation: DB_DIR },
  remoteOptions: { customFetch }
});

let uploads = 0;
const connector = {
  fetchCredentials: async () => ({ endpoint: ENDPOINT, token: TOKEN }),
  async uploadData(database) {
    const transaction = await database.getNextCrudTransaction();
    if (!transaction) {
      return;
    }
    const ops = transaction.crud.map((entry) => ({ op: entry.op, table: entry.table, id: entry.id, data: entry.opData ?? {} }));
    const response = await fetch(`${BACKEND_URL}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ops })
    });
    if (!response.ok) {
      throw new Error(`upload answered ${response.status}`);
    }
    uploads++;
    await transaction.complete();
  }
};

const figures = { framing: FRAMING };
try {
  await db.init();
  const started = Date.now();
  await db.connect(connector, { params: {} });
  await db.waitForFirstSync(AbortSignal.timeout(60000));
  check(db.currentStatus.hasSynced, `first sync: ${db.currentStatus.getMessage?.() ?? JSON.stringify(db.currentStatus)}`);
  figures.firstSyncMs = Date.now() - started;

  // A global stream and a per-user stream, downloaded at connect.
  const announcements = await db.getAll('SELECT id, title FROM announcements WHERE id LIKE ? ORDER BY id', [R('%')]);
  check(announcements.length === 3, `this run's 3 announcements, got ${JSON.stringify(announcements)}`);
  const lists = await db.getAll('SELECT id, name, owner_id FROM lists ORDER BY id');
  check(lists.length === 2 && lists.every((l) => l.owner_id === R('user')), `the user's two lists only, got ${JSON.stringify(lists)}`);
  check((await db.getAll('SELECT id FROM todos')).length === 0, 'no todos before subscribing');

  // A parameterised stream: only the subscribed list's todos.
  const subscription = await db.syncStream('list_todos', { list_id: R('L1') }).subscribe();
  await subscription.waitForFirstSync(AbortSignal.timeout(30000));
  const todos = await db.getAll('SELECT id, list_id, completed FROM todos ORDER BY id');
  check(todos.length === 2 && todos.every((t) => t.list_id === R('L1')), `L1's two todos only, got ${JSON.stringify(todos)}`);
  check(typeof todos[0].completed === 'number', 'integers stay integers');

  // Changes made in MariaDB reach the client within 2 s: insert, update, delete.
  await source('INSERT INTO announcements (id, title) VALUES (?, ?)', [R('a4'), 'Fresh news']);
  figures.insertMs = await waitFor('the inserted announcement', LIVE_LIMIT_MS * 5,
    async () => (await db.getOptional('SELECT 1 FROM announcements WHERE id = ?', [R('a4')])) != null);
  await source('UPDATE lists SET name = ? WHERE id = ?', ['Groceries (renamed)', R('L1')]);
  figures.updateMs = await waitFor('the updated list', LIVE_LIMIT_MS * 5,
    async () => (await db.getOptional("SELECT 1 FROM lists WHERE id = ? AND name = 'Groceries (renamed)'", [R('L1')])) != null);
  await source('DELETE FROM announcements WHERE id = ?', [R('a1')]);
  figures.deleteMs = await waitFor('the deleted announcement to go', LIVE_LIMIT_MS * 5,
    async () => (await db.getOptional('SELECT 1 FROM announcements WHERE id = ?', [R('a1')])) == null);
  await source('INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, 0)', [R('t9'), R('L2'), 'not subscribed']);
  await source('INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, 1)', [R('t8'), R('L1'), 'subscribed']);
  figures.subscribedInsertMs = await waitFor('the subscribed list\'s new todo', LIVE_LIMIT_MS * 5,
    async () => (await db.getOptional('SELECT 1 FROM todos WHERE id = ?', [R('t8')])) != null);
  check((await db.getOptional('SELECT 1 FROM todos WHERE id = ?', [R('t9')])) == null, 'a todo of an unsubscribed list stays away');
  for (const key of ['insertMs', 'updateMs', 'deleteMs', 'subscribedInsertMs']) {
    check(figures[key] <= LIVE_LIMIT_MS, `${key} ${figures[key]} ms is within ${LIVE_LIMIT_MS} ms`);
  }

  // A local write goes up through the backend; its write checkpoint completes and the queue empties.
  const id = randomUUID();
  const written = Date.now();
  await db.execute('INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, 0)', [id, R('L1'), 'from the client']);
  figures.uploadRoundTripMs = await waitFor('the upload queue to empty and the write checkpoint to complete', 30000, async () => {
    const { count } = await db.getUploadQueueStats();
    const pending = await db.get(`SELECT EXISTS(SELECT 1 FROM ps_kv target LEFT JOIN ps_kv seen ON seen.key = 'last_seen_checkpoint_request_id'
        WHERE target.key = 'target_checkpoint_request_id'
        AND CAST(target.value AS INTEGER) > COALESCE(CAST(seen.value AS INTEGER), 0)) AS pending`);
    return count === 0 && !pending.pending && !db.currentStatus.dataFlowStatus?.uploading;
  });
  check(uploads >= 1, 'uploadData was called');
  check(Date.now() - written < 30000, 'round trip in time');
  const row = await db.getOptional('SELECT description FROM todos WHERE id = ?', [id]);
  check(row?.description === 'from the client', 'the uploaded row is in the local replica after the checkpoint');
  const checkpointRequests = requests.filter((r) => r.url.startsWith('/write-checkpoint2.json'));
  check(checkpointRequests.length >= 1 && checkpointRequests.every((r) => r.status === 200), `write checkpoints asked for: ${JSON.stringify(checkpointRequests)}`);
  const streams = requests.filter((r) => r.url === '/sync/stream');
  const expectedType = FRAMING === 'bson' ? 'application/vnd.powersync.bson-stream' : 'application/x-ndjson';
  check(streams.length >= 1 && streams.every((r) => r.status === 200 && r.type === expectedType),
    `every stream in ${expectedType}: ${JSON.stringify(streams)}`);
  figures.streams = streams.length;
  console.log('COMPAT OK ' + JSON.stringify(figures));
} finally {
  await db.disconnect().catch(() => {});
  await db.close();
}
