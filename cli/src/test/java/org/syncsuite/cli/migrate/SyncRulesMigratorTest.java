package org.syncsuite.cli.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.config.BucketPlacement;
import org.syncsuite.core.config.LookupSource;
import org.syncsuite.core.config.ResolvedBucket;
import org.syncsuite.core.config.RowEvaluation;
import org.syncsuite.core.config.SyncConfigCompiler;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.core.sql.RequestParameters;

/**
 * Legacy configs migrate to Sync Streams that compile and, for sample rows and users, send each
 * user the same rows at the same priorities as the legacy config did.
 */
class SyncRulesMigratorTest {

    /** Sample rows of every table the configs below read. */
    private static final Map<String, List<Map<String, SqliteValue>>> ROWS = new LinkedHashMap<>();

    static {
        add("lists", "id", "l1", "owner_id", "u1", "org_id", "o1", "archived", 0L);
        add("lists", "id", "l2", "owner_id", "u2", "org_id", "o1", "archived", 0L);
        add("lists", "id", "l3", "owner_id", "u1", "org_id", "o2", "archived", 1L);
        add("todos", "id", "t1", "list_id", "l1", "owner_id", "u1", "description", "milk", "region", "eu", "tags", "[\"a\",\"b\"]");
        add("todos", "id", "t2", "list_id", "l2", "owner_id", "u2", "description", "bread", "region", "us", "tags", "[\"b\"]");
        add("todos", "id", "t3", "list_id", "l3", "owner_id", "u1", "description", "bike", "region", "eu", "tags", "[]");
        add("todos", "id", "t4", "list_id", "l9", "owner_id", null, "description", "orphan", "region", null, "tags", null);
        add("members", "id", "m1", "user_id", "u1", "org_id", "o1", "role", "admin");
        add("members", "id", "m2", "user_id", "u2", "org_id", "o2", "role", "member");
        add("categories", "id", "c1", "name", "Food");
        add("categories", "id", "c2", "name", "Home");
    }

    private static final List<String> USERS = List.of(
            "{\"sub\":\"u1\",\"org\":\"o1\",\"list_ids\":[\"l2\",\"l3\"],\"parameters\":{\"team\":\"l1\"},\"a\":{\"b\":\"l2\"}}",
            "{\"sub\":\"u2\",\"org\":\"o2\",\"list_ids\":[],\"parameters\":{\"team\":\"l2\"}}",
            "{\"sub\":\"u3\"}");
    private static final List<String> CONNECTIONS = List.of("{}", "{\"region\":\"eu\",\"list\":\"l1\"}");

    private static void add(String table, Object... columnsAndValues) {
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        for (int i = 0; i < columnsAndValues.length; i += 2) {
            Object value = columnsAndValues[i + 1];
            row.put((String) columnsAndValues[i], switch (value) {
                case null -> SqliteValue.NULL;
                case String s -> SqliteValue.of(s);
                case Long l -> SqliteValue.of(l);
                default -> throw new IllegalArgumentException(String.valueOf(value));
            });
        }
        ROWS.computeIfAbsent(table, t -> new ArrayList<>()).add(row);
    }

    /** Bucket storage in a map: every sample row evaluated against one plan. */
    private static final class Store implements LookupSource {
        private final SyncPlan plan;
        private final Map<String, List<BucketPlacement>> placements = new HashMap<>();
        private final Map<String, List<List<SqliteValue>>> index = new HashMap<>();

        Store(SyncPlan plan) {
            this.plan = plan;
            ROWS.forEach((table, rows) -> rows.forEach(row -> {
                RowEvaluation evaluation = plan.evaluateRow(table, row);
                assertThat(evaluation.errors()).isEmpty();
                evaluation.placements().forEach(p -> placements.computeIfAbsent(p.bucket(), b -> new ArrayList<>()).add(p));
                evaluation.lookups().forEach(l -> index.computeIfAbsent(l.indexId() + l.key(), k -> new ArrayList<>()).add(l.output()));
            }));
        }

        @Override
        public List<List<SqliteValue>> lookup(String indexId, List<SqliteValue> key) {
            return index.getOrDefault(indexId + key, List.of());
        }

        /** What a client connecting with this token and these parameters receives: row → best priority. */
        Map<String, Integer> rowsFor(String jwt, String connection) {
            List<ResolvedBucket> buckets = plan.resolveBuckets(RequestParameters.of(jwt, connection),
                    new StreamingSyncRequest.StreamsRequest(true, List.of()), this, SyncPlan.DEFAULT_MAX_BUCKETS).buckets();
            Map<String, Integer> rows = new TreeMap<>();
            for (ResolvedBucket bucket : buckets) {
                for (BucketPlacement placement : placements.getOrDefault(bucket.bucket(), List.of())) {
                    rows.merge(placement.objectType() + "/" + placement.objectId() + " " + placement.data(), bucket.priority(),
                            Math::min);
                }
            }
            return rows;
        }
    }

    /** Migrates, compiles both, and checks every sample user gets the same rows; returns the migrated text. */
    private static String migratesFaithfully(String legacy) {
        String migrated = SyncRulesMigrator.migrate("sync-rules.yaml", legacy);
        SyncPlan before = SyncConfigCompiler.compile("sync-rules.yaml", legacy);
        SyncPlan after = SyncConfigCompiler.compile("sync-config.yaml", migrated);
        Store legacyStore = new Store(before);
        Store streamStore = new Store(after);
        boolean anyRows = false;
        for (String user : USERS) {
            for (String connection : CONNECTIONS) {
                Map<String, Integer> expected = legacyStore.rowsFor(user, connection);
                anyRows |= !expected.isEmpty();
                assertThat(streamStore.rowsFor(user, connection)).as("rows of %s with %s in\n%s", user, connection, migrated)
                        .isEqualTo(expected);
            }
        }
        assertThat(anyRows).as("the sample data exercises the config").isTrue();
        return migrated;
    }

    @Test
    void globalBucket() {
        String migrated = migratesFaithfully("""
                bucket_definitions:
                  global:
                    data:
                      - SELECT * FROM categories
                      - SELECT id, name AS title FROM lists WHERE archived = 0
                """);
        assertThat(migrated).startsWith("# ").contains("config:\n  edition: 3\nstreams:\n  global:\n    auto_subscribe: true\n"
                + "    queries:\n      - SELECT * FROM categories\n      - SELECT id, name AS title FROM lists WHERE archived = 0\n");
        assertThat(migrated.lines().filter(line -> line.startsWith("#"))).hasSize(1);
    }

    @Test
    void byUserId() {
        String migrated = migratesFaithfully("""
                bucket_definitions:
                  by_user:
                    parameters: SELECT request.user_id() AS user_id
                    data:
                      - SELECT * FROM todos WHERE owner_id = bucket.user_id
                  by_token:
                    parameters: SELECT token_parameters.user_id AS owner
                    data:
                      - SELECT id, name FROM lists WHERE lists.owner_id = bucket.owner
                """);
        assertThat(migrated).contains("query: SELECT * FROM todos WHERE owner_id = auth.user_id()")
                .contains("query: SELECT id, name FROM lists WHERE lists.owner_id = auth.user_id()")
                .doesNotContain("bucket.", "request.", "token_parameters");
    }

    @Test
    void parameterQueryOverATable() {
        String migrated = migratesFaithfully("""
                bucket_definitions:
                  user_lists:
                    parameters: SELECT id AS list_id FROM lists WHERE owner_id = request.user_id() AND archived = 0
                    data:
                      - SELECT * FROM lists WHERE id = bucket.list_id
                      - SELECT * FROM todos WHERE list_id = bucket.list_id
                  org_lists:
                    parameters: SELECT org_id FROM members WHERE user_id = request.user_id() AND role = 'admin'
                    data:
                      - SELECT id, name FROM lists WHERE org_id = bucket.org_id
                """);
        assertThat(migrated).contains("SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE owner_id = "
                + "auth.user_id() AND archived = 0)");
    }

    @Test
    void jwtClaimsArraysAndSeveralParameterQueries() {
        migratesFaithfully("""
                config:
                  edition: 2
                bucket_definitions:
                  by_claims:
                    parameters:
                      - SELECT request.jwt() ->> 'org' AS org
                    data:
                      - SELECT id, name FROM lists WHERE org_id = bucket.org
                  by_array:
                    parameters: SELECT value AS list_id FROM json_each(request.jwt() -> 'list_ids')
                    data:
                      - SELECT * FROM todos WHERE list_id = bucket.list_id
                  mixed:
                    parameters:
                      - SELECT token_parameters.team AS list_id
                      - SELECT id AS list_id FROM lists WHERE owner_id = request.user_id()
                    data:
                      - SELECT * FROM todos WHERE list_id = bucket.list_id
                  tagged:
                    parameters: SELECT 'b' AS tag
                    data:
                      - SELECT id, description FROM todos WHERE bucket.tag IN tags
                """);
    }

    @Test
    void legacyJsonPathsKeepTheirMeaning() {
        String migrated = migratesFaithfully("""
                bucket_definitions:
                  nested:
                    parameters: SELECT request.jwt() ->> 'a.b' AS list_id
                    data:
                      - SELECT * FROM todos WHERE list_id = bucket.list_id
                """);
        assertThat(migrated).contains("auth.parameter('$.a.b')");
    }

    @Test
    void rewrittenQueriesKeepTheirFiltersAndQuoteOnlyWhatNeedsIt() {
        String migrated = migratesFaithfully("""
                bucket_definitions:
                  filtered:
                    parameters: SELECT request.user_id() AS user_id
                    data:
                      - SELECT id, description AS "select", -1.5 AS x FROM todos WHERE owner_id = bucket.user_id AND (region = 'eu' OR region IS NULL)
                """);
        assertThat(migrated).contains("SELECT id, description AS \"select\", -1.5 AS x FROM todos WHERE owner_id = "
                + "auth.user_id() AND (region = 'eu' OR region IS NULL)");
    }

    @Test
    void clientParameters() {
        String migrated = migratesFaithfully("""
                bucket_definitions:
                  by_region:
                    accept_potentially_dangerous_queries: true
                    parameters: SELECT request.user_id() AS user_id, request.parameters() ->> 'region' AS region
                    data:
                      - SELECT * FROM todos WHERE owner_id = bucket.user_id AND region = bucket.region
                  picked:
                    accept_potentially_dangerous_queries: true
                    parameters: SELECT user_parameters.list AS list_id WHERE request.jwt() ->> 'org' = 'o1'
                    data:
                      - SELECT * FROM todos WHERE list_id = bucket.list_id
                """);
        assertThat(migrated).contains("region = connection.parameter('region')")
                .contains("accept_potentially_dangerous_queries: true")
                .contains("list_id = connection.parameter('list') AND auth.parameter('org') = 'o1'");
    }

    @Test
    void priorities() {
        String migrated = migratesFaithfully("""
                bucket_definitions:
                  urgent:
                    priority: 0
                    data:
                      - SELECT * FROM categories
                  mine:
                    parameters: SELECT request.user_id() AS user_id, 1 AS _priority
                    data:
                      - SELECT * FROM todos WHERE owner_id = bucket.user_id
                  later:
                    parameters: SELECT id AS list_id, 2 AS _priority FROM lists WHERE owner_id = request.user_id()
                    data:
                      - SELECT * FROM lists WHERE id = bucket.list_id
                """);
        assertThat(migrated).contains("  urgent:\n    auto_subscribe: true\n    priority: 0\n")
                .contains("  mine:\n    auto_subscribe: true\n    priority: 1\n")
                .contains("  later:\n    auto_subscribe: true\n    priority: 2\n");
    }

    @Test
    void whatHasNoStreamsFormIsReportedByDefinitionAndLine() {
        assertThatThrownBy(() -> SyncRulesMigrator.migrate("sync-rules.yaml", """
                bucket_definitions:
                  fine:
                    data:
                      - SELECT * FROM categories
                  pairs:
                    parameters: SELECT id AS list_id, org_id AS org FROM lists WHERE owner_id = request.user_id()
                    data:
                      - SELECT * FROM todos WHERE list_id = bucket.list_id AND region = bucket.org
                  gate:
                    parameters: SELECT FROM members WHERE user_id = request.user_id() AND role = 'admin'
                    data:
                      - SELECT * FROM categories
                """))
                .isInstanceOfSatisfying(SyncRulesMigrationException.class, e -> {
                    assertThat(e.problems()).extracting(MigrationProblem::definition).containsExactly("pairs", "gate");
                    assertThat(e.problems()).extracting(MigrationProblem::line).containsExactly(6, 10);
                    assertThat(e.getMessage()).contains("sync-rules.yaml:6:", "pairs: ", "several outputs");
                });
    }

    @Test
    void anInvalidLegacyConfigIsReportedAsSuch() {
        assertThatThrownBy(() -> SyncRulesMigrator.migrate("sync-rules.yaml", """
                bucket_definitions:
                  broken:
                    parameters: SELECT request.user_id() AS user_id
                    data:
                      - SELECT * FROM todos
                """))
                .isInstanceOf(SyncRulesMigrationException.class)
                .hasMessageContaining("not valid").hasMessageContaining("bucket parameters");
    }
}
