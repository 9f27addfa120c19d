// A device on the official PowerSync Node SDK for the fault-injection suite. It connects as the
// token's user, uploads its writes to the demo backend with its client id and each entry's op id,
// and takes commands on stdin, one per line, answering each on stdout with one line:
//   WRITE on|off   start or stop its own writes (a todo added to DEVICE_LIST, or one it added edited,
//                  every few hundred milliseconds)                         -> "OK"
//   STATE          -> "STATE <json>": {rows: {lists, todos}, pending, acknowledged, problems,
//                     duplicates, status}
//   QUIT           disconnects and exits
// Environment: ENDPOINT (the gateway), TOKEN, BACKEND_URL, DB_DIR, NAME (the device's name, prefix of
// the ids it writes), USER_ID, DEVICE_LIST.
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PowerSyncDatabase, Schema, Table, column } from '@powersync/node';

const { ENDPOINT, TOKEN, BACKEND_URL, DB_DIR, NAME, USER_ID, DEVICE_LIST } = process.env;
mkdirSync(DB_DIR, { recursive: true });
const db = new PowerSyncDatabase({
  schema: new Schema({
    lists: new Table({ created_at: column.text, name: column.text, owner_id: column.text }),
    todos: new Table({
      created_at: column.text, completed_at: column.text, description: column.text, completed: column.integer,
      created_by: column.text, completed_by: column.text, list_id: column.text, photo_id: column.text
    })
  }),
  database: { dbFilename: `${NAME}.db`, dbLocation: DB_DIR }
});

const acknowledged = {};
const problems = [];
let duplicates = 0;
let writing = false;
let sequence = 0;
const mine = [];

await db.init();
const clientId = await db.getClientId();
db.connect({
  fetchCredentials: async () => ({ endpoint: ENDPOINT, token: TOKEN }),
  uploadData: async (database) => {
    const transaction = await database.getNextCrudTransaction();
    if (!transaction) {
      return;
    }
    const batch = transaction.crud.map((entry) => ({
      op_id: entry.clientId, op: entry.op, type: entry.table, id: entry.id, tx_id: entry.transactionId, data: entry.opData
    }));
    const response = await fetch(`${BACKEND_URL}/api/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ client_id: clientId, batch }),
      signal: AbortSignal.timeout(10000)
    });
    if (!response.ok) {
      throw new Error(`the backend answered ${response.status}: ${await response.text()}`);
    }
    const result = await response.json();
    for (const refused of result.rejected ?? []) {
      problems.push('refused: ' + JSON.stringify(refused));
    }
    duplicates += result.duplicates ?? 0;
    await transaction.complete();
    for (const entry of transaction.crud) {
      if (entry.opData && 'description' in entry.opData) {
        acknowledged[entry.id] = String(entry.opData.description);
      }
    }
  }
});

async function writeOnce() {
  sequence++;
  const description = `w ${NAME} ${sequence}`;
  if (mine.length < 5 || Math.random() < 0.33) {
    const id = `${NAME}-${sequence}`;
    await db.execute('INSERT INTO todos (id, list_id, description, completed, created_by) VALUES (?, ?, ?, 0, ?)',
      [id, DEVICE_LIST, description, USER_ID]);
    mine.push(id);
  } else {
    const id = mine[Math.floor(Math.random() * mine.length)];
    const other = mine[Math.floor(Math.random() * mine.length)];
    await db.writeTransaction(async (tx) => {
      await tx.execute('UPDATE todos SET description = ? WHERE id = ?', [description, id]);
      await tx.execute('UPDATE todos SET completed = 1 - completed WHERE id = ?', [other]);
    });
  }
}

(async function writeLoop() {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 200));
    if (writing) {
      try {
        await writeOnce();
      } catch (e) {
        problems.push('local write failed: ' + e);
      }
    }
  }
})();

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [command, argument] = line.trim().split(/\s+/);
  if (command === 'WRITE') {
    writing = argument === 'on';
    console.log('OK');
  } else if (command === 'STATE') {
    const pending = (await db.getAll('SELECT COUNT(*) AS n FROM ps_crud'))[0].n;
    const state = {
      rows: {
        lists: await db.getAll('SELECT id, name, owner_id FROM lists ORDER BY id'),
        todos: await db.getAll('SELECT id, list_id, description, completed FROM todos ORDER BY id')
      },
      pending, acknowledged, problems, duplicates,
      status: JSON.stringify(db.currentStatus.toJSON ? db.currentStatus.toJSON() : db.currentStatus)
    };
    console.log('STATE ' + JSON.stringify(state));
  } else if (command === 'QUIT') {
    break;
  }
}
await db.disconnect().catch(() => {});
await db.close();
process.exit(0);
