// The official PowerSync Node SDK as the measuring client of './powersync bench sync-latency':
// connects with ENDPOINT and TOKEN, prints READY once the first sync is done, then prints
// "A <id> <epoch ms>" for each row of table events as it appears in the local replica, until
// EXPECTED rows have arrived (or the time limit passes), then DONE.
import { mkdirSync } from 'node:fs';
import { PowerSyncDatabase, Schema, Table, column } from '@powersync/node';

const { ENDPOINT, TOKEN, DB_DIR, EXPECTED, LIMIT_MS } = process.env;
mkdirSync(DB_DIR, { recursive: true });
const db = new PowerSyncDatabase({
  schema: new Schema({ events: new Table({ committed_at: column.integer }) }),
  database: { dbFilename: 'latency.db', dbLocation: DB_DIR }
});
const connector = { fetchCredentials: async () => ({ endpoint: ENDPOINT, token: TOKEN }), uploadData: async () => {} };
try {
  await db.init();
  await db.connect(connector, { params: {} });
  await db.waitForFirstSync(AbortSignal.timeout(120000));
  let last = (await db.get("SELECT COALESCE(MAX(id), '') AS id FROM events")).id;
  console.log('READY');
  const expected = Number(EXPECTED);
  let arrived = 0;
  const deadline = Date.now() + Number(LIMIT_MS);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), Number(LIMIT_MS));
  for await (const _ of db.onChange({ tables: ['events'], throttleMs: 0, signal: abort.signal })) {
    const now = Date.now();
    const rows = await db.getAll('SELECT id FROM events WHERE id > ? ORDER BY id', [last]);
    const lines = [];
    for (const row of rows) {
      lines.push(`A ${row.id} ${now}`);
      last = row.id;
    }
    if (lines.length) {
      console.log(lines.join('\n'));
    }
    arrived += rows.length;
    if (arrived >= expected || Date.now() > deadline) {
      break;
    }
  }
  clearTimeout(timer);
  console.log('DONE');
} finally {
  await db.disconnect().catch(() => {});
  await db.close();
}
