package org.syncsuite.bench;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.SourcePosition;

/**
 * The row events of {@code ./powersync bench writer}: a seeded to-do app over {@code lists} and
 * {@code todos}, as source transactions of 10 to 100 row changes, each closed by the position
 * record the replicator writes after it. Per 100 row events: 4 list inserts, 1 list update that
 * gives the list another owner (its todos change hands through the parameter index), 80 todo
 * inserts, 14 todo updates (mostly done or title; one in five moves the todo to another list,
 * one in twenty makes it public or private) and 1 todo delete, which is followed by its tombstone
 * as the replicator writes it. Deterministic for a seed.
 */
final class WriterWorkload {

    /**
     * Three streams: lists by owner, todos through a parameter lookup on lists, and a global
     * stream of public todos that reads JSON.
     */
    static final String SYNC_CONFIG = """
            config:
              edition: 3
            streams:
              my_lists:
                auto_subscribe: true
                query: SELECT * FROM lists WHERE owner_id = auth.user_id()
              list_todos:
                auto_subscribe: true
                query: SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE owner_id = auth.user_id())
              public_todos:
                auto_subscribe: true
                query: SELECT id, title FROM todos WHERE json_extract(meta, '$.public') = 1
            """;

    static final String DATABASE = "app";
    static final String CONNECTION = "default";
    static final int USERS = 1_000;
    private static final long LIST_ID_SPACE = 0x6c69737473L; // "lists"
    private static final long TASK_ID_SPACE = 0x746f646f73L; // "todos"
    private static final long USER_ID_SPACE = 0x7573657273L; // "users"
    private static final String[] WORDS = {"buy", "milk", "call", "mum", "fix", "bike", "write", "report", "book",
            "flight", "water", "plants", "pay", "rent", "clean", "garage"};

    /** One source transaction: its row changes (a delete followed by its tombstone), then its position record. */
    record SourceTransaction(List<ChangeRecord> records, int rowEvents, ChangeRecord.PositionMarker position) {
    }

    private final Random random;
    private final long baseMillis = 1_795_000_000_000L;
    // lists: owner (user number)
    private int[] listOwners = new int[1024];
    private int lists;
    // todos: list, title version, done, public; deleted ones are set in 'deleted'
    private int[] todoLists = new int[1024];
    private int[] todoVersions = new int[1024];
    private byte[] todoFlags = new byte[1024];
    private final BitSet deleted = new BitSet();
    private int todos;
    private long transactions;
    private long binlogOffset = 4;

    WriterWorkload(long seed) {
        this.random = new Random(seed);
    }

    /** The next source transaction, with at most {@code maxRows} row events (and at least one). */
    SourceTransaction next(int maxRows) {
        int size = Math.min(maxRows, 10 + random.nextInt(91));
        transactions++;
        String gtid = "0-1-" + transactions;
        long millis = baseMillis + transactions * 7;
        List<ChangeRecord> records = new ArrayList<>(size + 2);
        for (int row = 0; row < size; row++) {
            binlogOffset += 120 + random.nextInt(200);
            ChangeRecord.Source source = new ChangeRecord.Source("mariadb", CONNECTION, DATABASE, "", Optional.of(gtid),
                    "binlog.000001", binlogOffset, 0, 1, millis, false);
            int kind = random.nextInt(100);
            if (lists == 0 || kind < 4) {
                records.add(insertList(source, millis));
            } else if (kind < 5) {
                records.add(updateList(source, millis));
            } else if (kind < 85 || todos - deleted.cardinality() < 10) {
                records.add(insertTodo(source, millis));
            } else if (kind < 99) {
                records.add(updateTodo(source, millis));
            } else {
                ChangeRecord.RowChange delete = deleteTodo(source, millis);
                records.add(delete);
                records.add(new ChangeRecord.Tombstone(DATABASE, "todos", delete.key()));
            }
        }
        binlogOffset += 31; // the commit event
        ChangeRecord.PositionMarker position = new ChangeRecord.PositionMarker(CONNECTION,
                SourcePosition.at(gtid, "binlog.000001", binlogOffset), Optional.empty(), millis);
        return new SourceTransaction(records, size, position);
    }

    private ChangeRecord.RowChange insertList(ChangeRecord.Source source, long millis) {
        if (lists == listOwners.length) {
            listOwners = java.util.Arrays.copyOf(listOwners, lists * 2);
        }
        int n = lists++;
        listOwners[n] = random.nextInt(USERS);
        return change(ChangeRecord.Op.CREATE, "lists", source, millis, null, list(n));
    }

    private ChangeRecord.RowChange updateList(ChangeRecord.Source source, long millis) {
        int n = random.nextInt(lists);
        Map<String, SqliteValue> before = list(n);
        listOwners[n] = random.nextInt(USERS);
        return change(ChangeRecord.Op.UPDATE, "lists", source, millis, before, list(n));
    }

    private ChangeRecord.RowChange insertTodo(ChangeRecord.Source source, long millis) {
        if (todos == todoLists.length) {
            todoLists = java.util.Arrays.copyOf(todoLists, todos * 2);
            todoVersions = java.util.Arrays.copyOf(todoVersions, todos * 2);
            todoFlags = java.util.Arrays.copyOf(todoFlags, todos * 2);
        }
        int n = todos++;
        // New todos mostly go into recent lists, as people fill a list they just made.
        todoLists[n] = random.nextInt(4) == 0 ? random.nextInt(lists) : Math.max(0, lists - 1 - random.nextInt(Math.min(lists, 50)));
        todoVersions[n] = 0;
        todoFlags[n] = (byte) (random.nextInt(10) < 3 ? 2 : 0); // 30% public
        return change(ChangeRecord.Op.CREATE, "todos", source, millis, null, todo(n));
    }

    private ChangeRecord.RowChange updateTodo(ChangeRecord.Source source, long millis) {
        int n = liveTodo();
        Map<String, SqliteValue> before = todo(n);
        int what = random.nextInt(20);
        if (what < 4) {
            todoLists[n] = random.nextInt(lists);
        } else if (what < 5) {
            todoFlags[n] ^= 2;
        } else if (what < 12) {
            todoFlags[n] ^= 1;
        } else {
            todoVersions[n]++;
        }
        return change(ChangeRecord.Op.UPDATE, "todos", source, millis, before, todo(n));
    }

    private ChangeRecord.RowChange deleteTodo(ChangeRecord.Source source, long millis) {
        int n = liveTodo();
        Map<String, SqliteValue> before = todo(n);
        deleted.set(n);
        return change(ChangeRecord.Op.DELETE, "todos", source, millis, before, null);
    }

    private int liveTodo() {
        while (true) {
            int n = random.nextInt(todos);
            if (!deleted.get(n)) {
                return n;
            }
        }
    }

    private Map<String, SqliteValue> list(int n) {
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        row.put("id", SqliteValue.of(id(LIST_ID_SPACE, n)));
        row.put("owner_id", SqliteValue.of(id(USER_ID_SPACE, listOwners[n])));
        row.put("name", SqliteValue.of("List " + n + " " + WORDS[n % WORDS.length]));
        row.put("created_at", SqliteValue.of("2026-11-24 10:15:30.123"));
        return row;
    }

    private Map<String, SqliteValue> todo(int n) {
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        row.put("id", SqliteValue.of(id(TASK_ID_SPACE, n)));
        row.put("list_id", SqliteValue.of(id(LIST_ID_SPACE, todoLists[n])));
        row.put("title", SqliteValue.of(WORDS[n % WORDS.length] + " " + WORDS[(n / 16) % WORDS.length] + " #" + n
                + (todoVersions[n] == 0 ? "" : " (v" + todoVersions[n] + ")")));
        row.put("description", SqliteValue.of("Something to do, written at some length so that rows have a realistic size."));
        row.put("done", SqliteValue.of((long) (todoFlags[n] & 1)));
        row.put("created_at", SqliteValue.of("2026-11-24 10:15:30.123"));
        row.put("meta", SqliteValue.of((todoFlags[n] & 2) != 0 ? "{\"public\":1,\"tags\":[\"home\"]}" : "{\"tags\":[]}"));
        return row;
    }

    private static ChangeRecord.RowChange change(ChangeRecord.Op op, String table, ChangeRecord.Source source, long millis,
                                                 Map<String, SqliteValue> before, Map<String, SqliteValue> after) {
        Map<String, SqliteValue> row = after != null ? after : before;
        ChangeRecord.Source s = new ChangeRecord.Source(source.connector(), source.connection(), source.database(), table,
                source.gtid(), source.file(), source.offset(), source.row(), source.serverId(), source.timestampMillis(),
                source.snapshot());
        return new ChangeRecord.RowChange(op, DATABASE, table, Map.of("id", row.get("id")), Optional.ofNullable(before),
                Optional.ofNullable(after), s, millis);
    }

    /** A UUID-shaped id, the {@code n}th of its kind: random-looking, so keys spread over the indexes as real ones do. */
    static String id(long kind, long n) {
        return new UUID(mix(kind * 0x9E3779B97F4A7C15L + n), mix(n * 0xC2B2AE3D27D4EB4FL + kind)).toString();
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
