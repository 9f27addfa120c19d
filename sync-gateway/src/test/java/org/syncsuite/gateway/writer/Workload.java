package org.syncsuite.gateway.writer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.config.BucketPlacement;
import org.syncsuite.core.config.SyncPlan;

/**
 * A seeded stream of source transactions over lists and todos (inserts, updates that move todos
 * between lists and lists between owners, deletes), and the table contents they leave, to tell
 * what the buckets must hold in the end.
 */
final class Workload {

    private final Random random;
    private final Map<String, Map<String, SqliteValue>> lists = new LinkedHashMap<>();
    private final Map<String, Map<String, SqliteValue>> todos = new LinkedHashMap<>();
    private int nextId;

    Workload(long seed) {
        this.random = new Random(seed);
    }

    /** A transaction of 1 to {@code maxRows} changes. */
    List<ChangeRecord> next(int maxRows) {
        List<ChangeRecord> changes = new ArrayList<>();
        int rows = 1 + random.nextInt(maxRows);
        for (int i = 0; i < rows; i++) {
            int kind = random.nextInt(10);
            if (lists.isEmpty() || kind == 0) {
                String id = "l" + nextId++;
                Map<String, SqliteValue> row = TopicWriter.row("id", id, "owner_id", "u" + random.nextInt(5), "name", "List " + id);
                lists.put(id, row);
                changes.add(TopicWriter.insert("lists", flat(row)));
            } else if (kind == 1) {
                String id = pick(lists);
                Map<String, SqliteValue> row = TopicWriter.row("id", id, "owner_id", "u" + random.nextInt(5), "name", "List " + id);
                lists.put(id, row);
                changes.add(TopicWriter.update("lists", flat(row)));
            } else if (kind <= 5 || todos.isEmpty()) {
                String id = "t" + nextId++;
                Map<String, SqliteValue> row = todo(id);
                todos.put(id, row);
                changes.add(TopicWriter.insert("todos", flat(row)));
            } else if (kind <= 8) {
                String id = pick(todos);
                Map<String, SqliteValue> row = todo(id);
                todos.put(id, row);
                changes.add(TopicWriter.update("todos", flat(row)));
            } else {
                String id = pick(todos);
                changes.add(TopicWriter.delete("todos", flat(todos.remove(id))));
            }
        }
        return changes;
    }

    private Map<String, SqliteValue> todo(String id) {
        return TopicWriter.row("id", id, "list_id", pick(lists), "title", "Todo " + id + " v" + random.nextInt(1000),
                "meta", random.nextBoolean() ? "{\"public\":1}" : "{}");
    }

    private String pick(Map<String, ?> rows) {
        List<String> ids = new ArrayList<>(rows.keySet());
        return ids.get(random.nextInt(ids.size()));
    }

    private static Object[] flat(Map<String, SqliteValue> row) {
        List<Object> columns = new ArrayList<>();
        row.forEach((name, value) -> {
            columns.add(name);
            columns.add(switch (value) {
                case SqliteValue.Text t -> t.value();
                case SqliteValue.Integer n -> n.value();
                default -> null;
            });
        });
        return columns.toArray();
    }

    /** What every bucket must hold for the rows as they are now: bucket, then {@code type/id}, then data. */
    Map<String, Map<String, String>> expectedBuckets(SyncPlan plan) {
        Map<String, Map<String, String>> buckets = new TreeMap<>();
        for (Map.Entry<String, Map<String, Map<String, SqliteValue>>> table : Map.of("lists", lists, "todos", todos).entrySet()) {
            for (Map<String, SqliteValue> row : table.getValue().values()) {
                for (BucketPlacement placement : plan.evaluateRow(table.getKey(), row).placements()) {
                    buckets.computeIfAbsent(placement.bucket(), b -> new TreeMap<>())
                            .put(placement.objectType() + "/" + placement.objectId(), placement.data());
                }
            }
        }
        return buckets;
    }

    /**
     * What a client holds after applying {@code ops} (ordered by op id) as PowerSync's client does:
     * the latest PUT of each row per bucket, unless a later REMOVE (or CLEAR) took it out.
     */
    static Map<String, Map<String, String>> reduce(List<WriterFixture.StoredOp> ops) {
        Map<String, Map<String, String>> buckets = new TreeMap<>();
        for (WriterFixture.StoredOp op : ops) {
            Map<String, String> bucket = buckets.computeIfAbsent(op.bucket(), b -> new TreeMap<>());
            String key = op.objectType() + "/" + op.objectId();
            switch (op.op()) {
                case 1 -> bucket.put(key, op.data());
                case 2 -> bucket.remove(key);
                case 4 -> bucket.clear();
                default -> { }
            }
        }
        buckets.values().removeIf(Map::isEmpty);
        return buckets;
    }

    /** Generates {@code transactions} transactions and counts the PUTs their row changes make under {@code plan}. */
    long replayPlacements(SyncPlan plan, int transactions, int maxRows) {
        long puts = 0;
        for (int t = 0; t < transactions; t++) {
            for (ChangeRecord change : next(maxRows)) {
                if (change instanceof ChangeRecord.RowChange row && row.after().isPresent()) {
                    puts += plan.evaluateRow(row.table(), row.after().get()).placements().size();
                }
            }
        }
        return puts;
    }

    Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new HashMap<>();
        sizes.put("lists", lists.size());
        sizes.put("todos", todos.size());
        return sizes;
    }
}
