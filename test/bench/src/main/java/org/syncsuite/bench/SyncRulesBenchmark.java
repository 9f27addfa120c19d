package org.syncsuite.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.config.RowEvaluation;
import org.syncsuite.core.config.SyncConfigCompiler;
import org.syncsuite.core.config.SyncPlan;

/**
 * Row-side evaluation rate of a sync config with five streams over one table (global, per user,
 * subquery lookup, subscription parameter, priority), on one thread. Both sides parse each row
 * from its JSON change-event form; the baseline then only writes the row back as JSON, ours
 * evaluates every stream (filters, partition keys, bucket ids, synced JSON) and the parameter
 * index. The ratio is the share of the baseline's rate that full evaluation keeps.
 */
final class SyncRulesBenchmark implements Benchmark {

    static final String CONFIG = """
            config:
              edition: 3
            streams:
              everything:
                auto_subscribe: true
                query: SELECT id, title, done FROM todos
              mine:
                auto_subscribe: true
                query: SELECT * FROM todos WHERE owner_id = auth.user_id()
              in_my_lists:
                auto_subscribe: true
                query: SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE owner_id = auth.user_id())
              list:
                accept_potentially_dangerous_queries: true
                query: SELECT * FROM todos WHERE list_id = subscription.parameter('list_id') AND done = 0
              urgent:
                auto_subscribe: true
                priority: 0
                query: SELECT id, title FROM todos WHERE owner_id = auth.user_id() AND priority >= 2
            """;

    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public String name() {
        return "sync-rules";
    }

    @Override
    public String description() {
        return "rows evaluated per second by a five-stream sync config vs. rows only parsed and re-serialised";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        int rows = options.integer("rows", 200_000);
        int rounds = options.integer("rounds", 5);
        SyncPlan plan = SyncConfigCompiler.compile("bench.yaml", CONFIG);
        List<String> input = rowsAsJson(rows);

        for (int warmUp = 0; warmUp < 3; warmUp++) {
            baseline(input);
            evaluate(plan, input);
        }
        List<Double> ours = new ArrayList<>();
        List<Double> base = new ArrayList<>();
        long placements = 0;
        for (int round = 0; round < rounds; round++) {
            long started = System.nanoTime();
            long checksum = baseline(input);
            double baseRate = rows / ((System.nanoTime() - started) / 1e9);
            started = System.nanoTime();
            placements = evaluate(plan, input);
            double ourRate = rows / ((System.nanoTime() - started) / 1e9);
            base.add(baseRate);
            ours.add(ourRate);
            System.out.printf(Locale.ROOT, "   round %d  evaluated %,12.0f rows/s   parsed+written %,12.0f rows/s  (%d)%n",
                    round + 1, ourRate, baseRate, checksum % 10);
        }
        double oursMedian = Statistics.median(ours);
        double baseMedian = Statistics.median(base);
        return new BenchReport(name(),
                String.format(Locale.ROOT, "%,d todos rows as JSON, 5 streams (%.1f placements per row), 1 thread, median of %d rounds",
                        rows, placements / (double) rows, rounds),
                new BenchReport.Measurement("parse + evaluate 5 streams + parameter index", oursMedian, "rows/s",
                        String.format(Locale.ROOT, "%.2f µs/row", 1e6 / oursMedian)),
                new BenchReport.Measurement("parse + write the row back as JSON", baseMedian, "rows/s",
                        String.format(Locale.ROOT, "%.2f µs/row", 1e6 / baseMedian)),
                true,
                List.of("goal: at least 500,000 rows/s per core for full evaluation; "
                        + (oursMedian >= 500_000 ? "met" : "NOT met")));
    }

    private static long baseline(List<String> input) throws IOException {
        long total = 0;
        for (String json : input) {
            Map<String, SqliteValue> row = parse(json);
            JsonWriter out = new JsonWriter().beginObject();
            row.forEach((name, value) -> out.name(name).value(value));
            total += out.endObject().toString().length();
        }
        return total;
    }

    private static long evaluate(SyncPlan plan, List<String> input) throws IOException {
        long placements = 0;
        for (String json : input) {
            RowEvaluation evaluation = plan.evaluateRow("todos", parse(json));
            placements += evaluation.placements().size();
        }
        return placements;
    }

    /** A flat JSON object into a row of SQLite values, in column order. */
    static Map<String, SqliteValue> parse(String json) throws IOException {
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not an object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken token = parser.nextToken();
                row.put(name, switch (token) {
                    case VALUE_STRING -> SqliteValue.of(parser.getText());
                    case VALUE_NUMBER_INT -> SqliteValue.of(parser.getLongValue());
                    case VALUE_NUMBER_FLOAT -> SqliteValue.of(parser.getDoubleValue());
                    case VALUE_TRUE -> SqliteValue.of(1L);
                    case VALUE_FALSE -> SqliteValue.of(0L);
                    case VALUE_NULL -> SqliteValue.NULL;
                    default -> throw new IOException("nested values are not expected in a row");
                });
            }
        }
        return row;
    }

    static List<String> rowsAsJson(int count) {
        Random random = new Random(7);
        List<String> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            JsonWriter json = new JsonWriter().beginObject();
            json.name("id").value(new UUID(random.nextLong(), random.nextLong()).toString());
            json.name("list_id").value("list-" + random.nextInt(5_000));
            json.name("owner_id").value("user-" + random.nextInt(1_000));
            json.name("title").value("Task number " + i);
            json.name("description").value("Something to do, written at some length so rows have a realistic size.");
            json.name("done").value(random.nextInt(2));
            json.name("priority").value(random.nextInt(4));
            json.name("created_at").value("2026-11-24T10:15:30.123Z");
            rows.add(json.endObject().toString());
        }
        return rows;
    }

}
