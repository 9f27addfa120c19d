package org.syncsuite.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.syncsuite.core.SqliteValue;

/**
 * Properties of row evaluation over generated rows: it is deterministic, and a row's buckets
 * change only when a column the config reads changes (and do change when a partition column
 * takes another value).
 */
class SyncPlanPropertiesTest {

    private static final SyncPlan PLAN = SyncConfigCompiler.compile("sync-config.yaml", """
            config:
              edition: 3
            streams:
              mine:
                auto_subscribe: true
                query: SELECT * FROM todos WHERE owner = auth.user_id() AND status != 'archived'
              by_tag:
                query: SELECT id, title FROM todos WHERE tag IN auth.parameter('tags') AND priority > 1
              everyone:
                auto_subscribe: true
                query: SELECT id FROM todos WHERE public = 1
            """);

    /** Columns some filter or key of the config reads. */
    private static final Set<String> READ = Set.of("owner", "status", "tag", "priority", "public");
    private static final List<String> COLUMNS = List.of("id", "owner", "status", "tag", "priority", "public", "title", "notes");

    @Provide
    Arbitrary<SqliteValue> values() {
        return Arbitraries.oneOf(
                Arbitraries.just(SqliteValue.NULL),
                Arbitraries.longs().between(-3, 3).map(SqliteValue::of),
                Arbitraries.of("u1", "u2", "archived", "open", "x", "").map(SqliteValue::of),
                Arbitraries.doubles().between(-2, 2).map(SqliteValue::of));
    }

    @Provide
    Arbitrary<Map<String, SqliteValue>> rows() {
        return values().list().ofSize(COLUMNS.size()).map(list -> {
            Map<String, SqliteValue> row = new LinkedHashMap<>();
            row.put("id", SqliteValue.of("t1"));
            for (int i = 1; i < COLUMNS.size(); i++) {
                row.put(COLUMNS.get(i), list.get(i));
            }
            return row;
        });
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        return Combinators.combine(rows(), Arbitraries.of(COLUMNS.subList(1, COLUMNS.size())), values())
                .as(Mutation::new);
    }

    record Mutation(Map<String, SqliteValue> row, String column, SqliteValue newValue) {
        Map<String, SqliteValue> mutated() {
            Map<String, SqliteValue> copy = new LinkedHashMap<>(row);
            copy.put(column, newValue);
            return copy;
        }
    }

    private static Set<String> buckets(Map<String, SqliteValue> row) {
        return Set.copyOf(PLAN.evaluateRow("todos", row).placements().stream().map(BucketPlacement::bucket).toList());
    }

    @Property(tries = 500)
    void evaluationIsDeterministic(@ForAll("rows") Map<String, SqliteValue> row) {
        RowEvaluation first = PLAN.evaluateRow("todos", row);
        RowEvaluation second = PLAN.evaluateRow("todos", new LinkedHashMap<>(row));
        assertThat(second).isEqualTo(first);
    }

    @Property(tries = 1000)
    void bucketsChangeOnlyWhenAReadColumnChanges(@ForAll("mutations") Mutation mutation) {
        Set<String> before = buckets(mutation.row());
        Set<String> after = buckets(mutation.mutated());
        if (!READ.contains(mutation.column())) {
            assertThat(after).as("changing %s, which no filter reads", mutation.column()).isEqualTo(before);
        }
        if (!after.equals(before)) {
            assertThat(READ).contains(mutation.column());
        }
    }

    @Property(tries = 500)
    void aNewOwnerMovesTheRow(@ForAll("rows") Map<String, SqliteValue> row) {
        Map<String, SqliteValue> open = new LinkedHashMap<>(row);
        open.put("status", SqliteValue.of("open"));
        open.put("owner", SqliteValue.of("u1"));
        Map<String, SqliteValue> moved = new LinkedHashMap<>(open);
        moved.put("owner", SqliteValue.of("u2"));
        assertThat(buckets(open)).contains("1#mine|0[\"u1\"]").doesNotContain("1#mine|0[\"u2\"]");
        assertThat(buckets(moved)).contains("1#mine|0[\"u2\"]").doesNotContain("1#mine|0[\"u1\"]");
    }
}
