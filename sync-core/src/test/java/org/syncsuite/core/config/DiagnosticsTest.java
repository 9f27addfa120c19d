package org.syncsuite.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.core.sql.RequestParameters;

/** Errors all together with their positions, warnings apart, and the per-connection bucket limit. */
class DiagnosticsTest {

    @Test
    void threeMistakesGiveThreeErrorsWithLineAndColumn() {
        String yaml = """
                config:
                  edition: 3
                streams:
                  lists:
                    auto_subscribe: maybe
                    query: SELECT * FROM lists WHERE owner_id = auth.user_id()
                  todos:
                    query: |
                      SELECT * FROM todos
                      WHERE list_id IN (SELECT id FROM lists WHERE owner_id = auth.uid())
                  notes:
                    query: SELECT title FROM notes
                """;
        assertThatThrownBy(() -> SyncConfigCompiler.compile("sync-config.yaml", yaml))
                .isInstanceOfSatisfying(SyncConfigException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.SYNC_CONFIG_INVALID);
                    assertThat(e.issues()).filteredOn(ConfigIssue::isError)
                            .extracting(ConfigIssue::code, ConfigIssue::line, ConfigIssue::column)
                            .containsExactly(
                                    org.assertj.core.groups.Tuple.tuple("CONFIG_INVALID_VALUE", 5, 21),
                                    org.assertj.core.groups.Tuple.tuple("SQL_UNKNOWN_FUNCTION", 10, 63),
                                    org.assertj.core.groups.Tuple.tuple("QUERY_MISSING_ID", 12, 12));
                    assertThat(e.getMessage()).contains("3 error(s)", "sync-config.yaml:10:63: error SQL_UNKNOWN_FUNCTION");
                });
    }

    @Test
    void errorsInQueriesYamlFoldedFromSeveralLinesPointAtTheirLine() {
        String yaml = """
                config:
                  edition: 3
                streams:
                  plain:
                    query: SELECT * FROM lists
                      WHERE owner_id = auth.uid()
                  quoted:
                    query: "SELECT * FROM todos
                      WHERE owner_id = auth.nobody()"
                  folded:
                    query: >
                      SELECT * FROM notes
                      WHERE owner_id = auth.whoever()
                """;
        assertThatThrownBy(() -> SyncConfigCompiler.compile("sync-config.yaml", yaml))
                .isInstanceOfSatisfying(SyncConfigException.class, e -> assertThat(e.issues()).filteredOn(ConfigIssue::isError)
                        .extracting(ConfigIssue::code, ConfigIssue::line, ConfigIssue::column)
                        .containsExactly(
                                org.assertj.core.groups.Tuple.tuple("SQL_UNKNOWN_FUNCTION", 6, 24),
                                org.assertj.core.groups.Tuple.tuple("SQL_UNKNOWN_FUNCTION", 9, 24),
                                org.assertj.core.groups.Tuple.tuple("SQL_UNKNOWN_FUNCTION", 13, 24)));
    }

    @Test
    void anErrorAtTheEndOfABlockIsPlacedAtTheEndOfItsLastLine() {
        String yaml = """
                config:
                  edition: 3
                streams:
                  orders:
                    query: |
                      SELECT * FROM orders
                      WHERE (customer_id = auth.user_id()
                """;
        assertThatThrownBy(() -> SyncConfigCompiler.compile("sync-config.yaml", yaml))
                .isInstanceOfSatisfying(SyncConfigException.class, e -> assertThat(e.issues()).filteredOn(ConfigIssue::isError)
                        .extracting(ConfigIssue::code, ConfigIssue::line, ConfigIssue::column)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("SQL_SYNTAX", 7, 42)));
    }

    @Test
    void linesAreCountedAsYamlCountsThem() {
        // NEL (U+0085) breaks a line for YAML 1.1: the unknown key is on line 3
        assertThat(SyncConfigCompiler.validate("s.yaml", "config:\u0085  edition: 3\u0085nonsense: 1\nstreams: {}\n",
                SyncConfigCompiler.Options.DEFAULT)).filteredOn(i -> i.code().equals("CONFIG_UNKNOWN_KEY"))
                .extracting(ConfigIssue::line).containsExactly(3);
    }

    @Test
    void warningsAreReportedApartFromErrors() {
        SyncConfigCompiler.Options withSchema = new SyncConfigCompiler.Options(1, Optional.of(new SourceSchema(Map.of(
                "todos", List.of("id", "owner", "title")))));
        List<ConfigIssue> issues = SyncConfigCompiler.validate("s.yaml", """
                config:
                  edition: 3
                streams:
                  a:
                    auto_subscribe: true
                    query: SELECT id, titel FROM todos WHERE owner = auth.user_id()
                  b:
                    query: SELECT * FROM todo
                  c:
                    query: SELECT * FROM todos WHERE owner = NULL
                  d:
                    auto_subscribe: true
                    query: SELECT * FROM todos WHERE owner = connection.parameter('who')
                  e:
                    query: SELECT * FROM todos WHERE 1 = 0
                """, withSchema);
        assertThat(issues).noneMatch(ConfigIssue::isError);
        assertThat(issues).extracting(ConfigIssue::code, ConfigIssue::line).containsExactly(
                org.assertj.core.groups.Tuple.tuple("SCHEMA_UNKNOWN_COLUMN", 6),
                org.assertj.core.groups.Tuple.tuple("SCHEMA_UNKNOWN_TABLE", 8),
                org.assertj.core.groups.Tuple.tuple("QUERY_NEVER_MATCHES", 10),
                org.assertj.core.groups.Tuple.tuple("CLIENT_PARAMETER_UNVERIFIED", 13),
                org.assertj.core.groups.Tuple.tuple("QUERY_NEVER_MATCHES", 15));
        SyncPlan plan = SyncConfigCompiler.compile(SyncConfigReader.read("s.yaml", """
                config:
                  edition: 3
                streams:
                  c:
                    query: SELECT * FROM todos WHERE owner = NULL
                """), SyncConfigCompiler.Options.DEFAULT);
        assertThat(plan.warnings()).singleElement().satisfies(w -> assertThat(w.toString())
                .isEqualTo("s.yaml:5:44: warning QUERY_NEVER_MATCHES: A comparison with NULL is never true: use IS NULL or IS NOT NULL"));
    }

    @Test
    void moreBucketsThanTheLimitIsATypedError() {
        SyncPlan plan = SyncConfigCompiler.compile("s.yaml", """
                config:
                  edition: 3
                streams:
                  tags:
                    auto_subscribe: true
                    query: SELECT * FROM items WHERE tag IN auth.parameter('tags')
                """);
        List<String> tags = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            tags.add("\"t" + i + "\"");
        }
        RequestParameters request = RequestParameters.of("{\"sub\":\"u\",\"tags\":[" + String.join(",", tags) + "]}", "{}");
        StreamingSyncRequest.StreamsRequest defaults = new StreamingSyncRequest.StreamsRequest(true, List.of());
        assertThatThrownBy(() -> plan.resolveBuckets(request, defaults, LookupSource.EMPTY, SyncPlan.DEFAULT_MAX_BUCKETS))
                .isInstanceOfSatisfying(SyncException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.TOO_MANY_BUCKETS);
                    assertThat(e.errorCode().code()).isEqualTo("PSYNC_S2305");
                })
                .hasMessageContaining("limit is 1000");
        assertThat(plan.resolveBuckets(request, defaults, LookupSource.EMPTY, 2000).buckets()).hasSize(1001);
    }

    @Test
    void aSubscriptionWithBadParametersReportsInItsStream() {
        SyncPlan plan = SyncConfigCompiler.compile("s.yaml", """
                config:
                  edition: 3
                streams:
                  list:
                    accept_potentially_dangerous_queries: true
                    query: SELECT * FROM todos WHERE list_id IN subscription.parameter('ids')
                """);
        BucketResolution resolution = plan.resolveBuckets(RequestParameters.of("{\"sub\":\"u\"}", "{}"),
                new StreamingSyncRequest.StreamsRequest(true, List.of(
                        new StreamingSyncRequest.Subscription("list", Optional.of("{\"ids\":\"not an array\"}"), OptionalInt.empty()),
                        new StreamingSyncRequest.Subscription("list", Optional.of("{\"ids\":[\"L1\"]}"), OptionalInt.of(0)))),
                LookupSource.EMPTY, 1000);
        assertThat(resolution.buckets()).singleElement().satisfies(b -> {
            assertThat(b.bucket()).isEqualTo("1#list|0[\"L1\"]");
            assertThat(b.priority()).isZero();
        });
        assertThat(resolution.streams()).singleElement().satisfies(stream -> {
            assertThat(stream.name()).isEqualTo("list");
            assertThat(stream.isDefault()).isFalse();
            assertThat(stream.errors()).singleElement().satisfies(error -> {
                assertThat(error.subscription()).hasValue(0);
                assertThat(error.message()).contains("Malformed JSON");
            });
        });
    }

    @Test
    void rowsThatCannotBeEvaluatedAreReportedNotThrown() {
        SyncPlan plan = SyncConfigCompiler.compile("s.yaml", """
                config:
                  edition: 3
                streams:
                  tagged:
                    auto_subscribe: true
                    query: SELECT * FROM notes WHERE auth.user_id() IN readers
                  all:
                    auto_subscribe: true
                    query: SELECT * FROM notes
                """);
        RowEvaluation evaluation = plan.evaluateRow("notes", TestStore.row("id", "n1", "readers", "{not json"));
        assertThat(evaluation.errors()).singleElement().asString().startsWith("tagged: Malformed JSON");
        assertThat(evaluation.placements()).extracting(BucketPlacement::bucket).containsExactly("1#all|0[]");
        assertThat(plan.readsTable("notes")).isTrue();
        assertThat(plan.readsTable("other")).isFalse();
        assertThat(plan.tablePatterns()).containsExactly("notes");
    }

    @Test
    void aListedColumnNamedLikeARowColumnReplacesItsValueInPlace() {
        SyncPlan plan = SyncConfigCompiler.compile("s.yaml", """
                config:
                  edition: 3
                streams:
                  shout:
                    query: SELECT *, upper(title) AS title, 1 AS extra FROM todos
                """);
        RowEvaluation evaluation = plan.evaluateRow("todos", TestStore.row("id", "t1", "title", "milk", "n", 2L));
        assertThat(evaluation.placements()).singleElement().satisfies(p -> {
            assertThat(p.data()).isEqualTo("{\"id\":\"t1\",\"title\":\"MILK\",\"n\":2,\"extra\":1}");
            assertThat(p.objectId()).isEqualTo("t1");
        });
    }
}
