package org.syncsuite.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** What a compiled sync config declares it sends to clients, for client schema generation. */
class OutputTablesTest {

    @Test
    void streamsListTheirTablesWithoutId() {
        SyncPlan plan = SyncConfigCompiler.compile("sync-config.yaml", """
                config:
                  edition: 3
                streams:
                  my_lists:
                    auto_subscribe: true
                    query: SELECT * FROM lists WHERE owner_id = auth.user_id()
                  list_todos:
                    query: SELECT id, description, CAST(done AS INTEGER) AS done, list_id FROM todos WHERE list_id = subscription.parameter('list')
                """);
        List<OutputTable> tables = plan.outputTables();
        assertThat(tables).extracting(OutputTable::name).containsExactly("lists", "todos");
        OutputTable lists = tables.get(0);
        assertThat(lists.star()).isTrue();
        assertThat(lists.starTables()).containsExactly("lists");
        assertThat(lists.columns()).isEmpty();
        OutputTable todos = tables.get(1);
        assertThat(todos.star()).isFalse();
        assertThat(todos.sourceTable()).isEqualTo("todos");
        assertThat(todos.columns()).containsExactly(
                new OutputColumn("description", "todos", Optional.of("description"), Optional.empty()),
                new OutputColumn("done", "todos", Optional.empty(), Optional.of("integer")),
                new OutputColumn("list_id", "todos", Optional.of("list_id"), Optional.empty()));
    }

    @Test
    void expressionTypesAreInferredWhereTheExpressionDecides() {
        SyncPlan plan = SyncConfigCompiler.compile("sync-config.yaml", """
                config:
                  edition: 3
                streams:
                  s:
                    auto_subscribe: true
                    query: |
                      SELECT id, t.title, 1 AS one, 2.5 AS half, 'x' AS label, length(title) AS len,
                        price * 1.5 AS scaled, price > 10 AS expensive, upper(title) AS shout,
                        title || '!' AS loud, price::real AS price, payload ->> 'a' AS a,
                        CASE WHEN price > 1 THEN 'big' ELSE 'small' END AS size,
                        unixepoch(created_at, 'subsec') AS at, base64(photo) AS photo
                      FROM items AS t
                """);
        OutputTable table = plan.outputTables().getFirst();
        assertThat(table.name()).isEqualTo("t");
        assertThat(table.sourceTable()).isEqualTo("items");
        assertThat(table.columns()).extracting(OutputColumn::name).containsExactly("title", "one", "half", "label", "len",
                "scaled", "expensive", "shout", "loud", "price", "a", "size", "at", "photo");
        assertThat(table.columns()).extracting(c -> c.sqliteType().orElse("?")).containsExactly("?", "integer", "real",
                "text", "integer", "real", "integer", "text", "text", "real", "?", "text", "real", "text");
        assertThat(table.columns().getFirst().sourceColumn()).contains("title");
    }

    @Test
    void queriesOfOneOutputTableAreMergedInFirstSeenOrder() {
        SyncPlan plan = SyncConfigCompiler.compile("sync-config.yaml", """
                config:
                  edition: 3
                streams:
                  a:
                    auto_subscribe: true
                    queries:
                      - SELECT id, title, owner FROM docs WHERE owner = auth.user_id()
                      - SELECT id, title, shared_with FROM docs WHERE shared_with = auth.user_id()
                  b:
                    auto_subscribe: true
                    query: SELECT id, owner, archived FROM docs WHERE archived = 1
                """);
        assertThat(plan.outputTables()).hasSize(1);
        assertThat(plan.outputTables().getFirst().columns()).extracting(OutputColumn::name)
                .containsExactly("title", "owner", "shared_with", "archived");
    }

    @Test
    void legacyBucketDefinitionsAndTablePatterns() {
        SyncPlan plan = SyncConfigCompiler.compile("sync-config.yaml", """
                bucket_definitions:
                  global:
                    data:
                      - SELECT * FROM "audit_%"
                      - SELECT id, name AS title FROM categories
                      - SELECT id, count::integer AS count FROM categories
                  by_user:
                    parameters: SELECT request.user_id() AS user_id
                    data:
                      - SELECT id, description, owner FROM todos WHERE owner = bucket.user_id
                """);
        List<OutputTable> tables = plan.outputTables();
        assertThat(tables).extracting(OutputTable::name).containsExactly("audit_%", "categories", "todos");
        assertThat(tables.get(0).namedBySourceTable()).isTrue();
        assertThat(tables.get(0).matchesSourceTable("audit_2024")).isTrue();
        assertThat(tables.get(0).star()).isTrue();
        assertThat(tables.get(1).namedBySourceTable()).isFalse();
        assertThat(tables.get(1).columns()).containsExactly(
                new OutputColumn("title", "categories", Optional.of("name"), Optional.empty()),
                new OutputColumn("count", "categories", Optional.empty(), Optional.of("integer")));
        assertThat(tables.get(2).columns()).extracting(OutputColumn::name).containsExactly("description", "owner");
    }
}
