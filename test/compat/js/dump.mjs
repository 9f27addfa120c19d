// The official client as a witness: connects as the token's user, subscribes to list_todos for
// LIST_ID, waits for the first sync, then prints "ROWS <json>" (lists, todos, announcements, each
// ordered by id) and exits. Run by ClientCompatibilityIT to compare with our Java client.
import { mkdirSync } from 'node:fs';
import { PowerSyncDatabase, Schema, Table, column } from '@powersync/node';

const { ENDPOINT, TOKEN, DB_DIR, LIST_ID } = process.env;
mkdirSync(DB_DIR, { recursive: true });
const db = new PowerSyncDatabase({
  schema: new Schema({
    announcements: new Table({ title: column.text }),
    lists: new Table({ name: column.text, owner_id: column.text }),
    todos: new Table({ list_id: column.text, description: column.text, completed: column.integer })
  }),
  database: { dbFilename: 'witness.db', dbLocation: DB_DIR }
});
try {
  await db.init();
  await db.connect({ fetchCredentials: async () => ({ endpoint: ENDPOINT, token: TOKEN }), uploadData: async () => {} });
  const subscription = await db.syncStream('list_todos', { list_id: LIST_ID }).subscribe();
  await subscription.waitForFirstSync(AbortSignal.timeout(60000));
  const rows = {
    lists: await db.getAll('SELECT id, name, owner_id FROM lists ORDER BY id'),
    todos: await db.getAll('SELECT id, list_id, description, completed FROM todos ORDER BY id'),
    announcements: await db.getAll('SELECT id, title FROM announcements ORDER BY id')
  };
  console.log('ROWS ' + JSON.stringify(rows));
} finally {
  await db.disconnect().catch(() => {});
  await db.close();
}
