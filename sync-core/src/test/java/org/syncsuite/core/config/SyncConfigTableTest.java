package org.syncsuite.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.syncsuite.core.sql.SqlJson;

/**
 * A table of sync configs with what each must give: for a valid one, the buckets of some rows
 * and of some requests; for an invalid one, the error code and its line and column.
 */
class SyncConfigTableTest {

    /** One row: table and JSON object of its columns. */
    record Row(String table, String json) {
    }

    /** One request: JWT payload, connection parameters, subscriptions as stream/params pairs. */
    record Request(String jwt, String connection, List<String> subscriptions) {
    }

    sealed interface Case {
        String name();
    }

    /** Rows to insert first (feeding parameter indexes), a row whose buckets are checked, a request whose buckets are checked. */
    record Valid(String name, String yaml, List<Row> setup, Row row, List<String> rowBuckets, Request request,
                 List<String> requestBuckets) implements Case {
        @Override
        public String toString() {
            return name;
        }
    }

    record Invalid(String name, String yaml, String code, int line, int column) implements Case {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String E3 = "config:\n  edition: 3\nstreams:\n";

    private static Valid valid(String name, String streamsYaml, Row row, List<String> rowBuckets, Request request,
                               List<String> requestBuckets, Row... setup) {
        return new Valid(name, E3 + streamsYaml, List.of(setup), row, rowBuckets, request, requestBuckets);
    }

    private static Valid legacy(String name, String yaml, Row row, List<String> rowBuckets, Request request,
                                List<String> requestBuckets, Row... setup) {
        return new Valid(name, yaml, List.of(setup), row, rowBuckets, request, requestBuckets);
    }

    private static Row row(String table, String json) {
        return new Row(table, json);
    }

    private static Request user(String sub) {
        return new Request("{\"sub\":\"" + sub + "\"}", "{}", List.of());
    }

    private static Request request(String jwt, String connection, String... subscriptions) {
        return new Request(jwt, connection, java.util.Arrays.asList(subscriptions));
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        // ---------------------------------------------------------------- valid streams
        cases.add(valid("global stream", "  all:\n    auto_subscribe: true\n    query: SELECT * FROM todos\n",
                row("todos", "{\"id\":\"t1\"}"), List.of("1#all|0[]"), user("u1"), List.of("1#all|0[]")));
        cases.add(valid("not auto-subscribed: nothing by default", "  all:\n    query: SELECT * FROM todos\n",
                row("todos", "{\"id\":\"t1\"}"), List.of("1#all|0[]"), user("u1"), List.of()));
        cases.add(valid("explicit subscription", "  all:\n    query: SELECT * FROM todos\n",
                row("todos", "{\"id\":\"t1\"}"), List.of("1#all|0[]"), request("{\"sub\":\"u\"}", "{}", "all", "{}"), List.of("1#all|0[]")));
        cases.add(valid("per user", "  mine:\n    auto_subscribe: true\n    query: SELECT * FROM todos WHERE owner = auth.user_id()\n",
                row("todos", "{\"id\":\"t1\",\"owner\":\"u1\"}"), List.of("1#mine|0[\"u1\"]"), user("u1"), List.of("1#mine|0[\"u1\"]")));
        cases.add(valid("per user, reversed equality", "  mine:\n    auto_subscribe: true\n    query: SELECT * FROM todos WHERE auth.user_id() = owner\n",
                row("todos", "{\"id\":\"t1\",\"owner\":\"u1\"}"), List.of("1#mine|0[\"u1\"]"), user("u1"), List.of("1#mine|0[\"u1\"]")));
        cases.add(valid("null owner goes nowhere", "  mine:\n    auto_subscribe: true\n    query: SELECT * FROM todos WHERE owner = auth.user_id()\n",
                row("todos", "{\"id\":\"t1\",\"owner\":null}"), List.of(), user("u1"), List.of("1#mine|0[\"u1\"]")));
        cases.add(valid("numeric user id", "  mine:\n    auto_subscribe: true\n    query: SELECT * FROM todos WHERE owner = auth.user_id()\n",
                row("todos", "{\"id\":\"t1\",\"owner\":42}"), List.of("1#mine|0[42]"), new Request("{\"sub\":42}", "{}", List.of()), List.of("1#mine|0[42]")));
        cases.add(valid("row filter", "  open:\n    auto_subscribe: true\n    query: SELECT * FROM todos WHERE done = 0\n",
                row("todos", "{\"id\":\"t1\",\"done\":1}"), List.of(), user("u1"), List.of("1#open|0[]")));
        cases.add(valid("row filter with OR stays one branch", "  some:\n    auto_subscribe: true\n    query: SELECT * FROM todos WHERE a = 1 OR b = 2\n",
                row("todos", "{\"id\":\"t1\",\"a\":0,\"b\":2}"), List.of("1#some|0[]"), user("u1"), List.of("1#some|0[]")));
        cases.add(valid("claim parameter", "  org:\n    auto_subscribe: true\n    query: SELECT * FROM docs WHERE org_id = auth.parameter('org')\n",
                row("docs", "{\"id\":\"d1\",\"org_id\":\"o1\"}"), List.of("1#org|0[\"o1\"]"),
                new Request("{\"sub\":\"u\",\"org\":\"o1\"}", "{}", List.of()), List.of("1#org|0[\"o1\"]")));
        cases.add(valid("nested claim path", "  org:\n    auto_subscribe: true\n    query: SELECT * FROM docs WHERE org_id = auth.parameter('$.app.org')\n",
                row("docs", "{\"id\":\"d1\",\"org_id\":\"o1\"}"), List.of("1#org|0[\"o1\"]"),
                new Request("{\"sub\":\"u\",\"app\":{\"org\":\"o1\"}}", "{}", List.of()), List.of("1#org|0[\"o1\"]")));
        cases.add(valid("array claim with IN", "  projects:\n    auto_subscribe: true\n    query: SELECT * FROM tasks WHERE project_id IN auth.parameter('projects')\n",
                row("tasks", "{\"id\":\"k1\",\"project_id\":\"p2\"}"), List.of("1#projects|0[\"p2\"]"),
                new Request("{\"sub\":\"u\",\"projects\":[\"p1\",\"p2\"]}", "{}", List.of()), List.of("1#projects|0[\"p1\"]", "1#projects|0[\"p2\"]")));
        cases.add(valid("request value IN row array", "  shared:\n    auto_subscribe: true\n    query: SELECT * FROM notes WHERE auth.user_id() IN readers\n",
                row("notes", "{\"id\":\"n1\",\"readers\":\"[\\\"u1\\\",\\\"u2\\\"]\"}"), List.of("1#shared|0[\"u1\"]", "1#shared|0[\"u2\"]"),
                user("u2"), List.of("1#shared|0[\"u2\"]")));
        cases.add(valid("subscription parameter", "  list:\n    accept_potentially_dangerous_queries: true\n    query: SELECT * FROM todos WHERE list_id = subscription.parameter('list_id')\n",
                row("todos", "{\"id\":\"t1\",\"list_id\":\"L1\"}"), List.of("1#list|0[\"L1\"]"),
                request("{\"sub\":\"u\"}", "{}", "list", "{\"list_id\":\"L1\"}"), List.of("1#list|0[\"L1\"]")));
        cases.add(valid("two subscriptions to one stream", "  list:\n    accept_potentially_dangerous_queries: true\n    query: SELECT * FROM todos WHERE list_id = subscription.parameter('list_id')\n",
                row("todos", "{\"id\":\"t1\",\"list_id\":\"L2\"}"), List.of("1#list|0[\"L2\"]"),
                request("{\"sub\":\"u\"}", "{}", "list", "{\"list_id\":\"L1\"}", "list", "{\"list_id\":\"L2\"}"),
                List.of("1#list|0[\"L1\"]", "1#list|0[\"L2\"]")));
        cases.add(valid("subscription without its parameter gets nothing", "  list:\n    accept_potentially_dangerous_queries: true\n    query: SELECT * FROM todos WHERE list_id = subscription.parameter('list_id')\n",
                row("todos", "{\"id\":\"t1\",\"list_id\":\"L1\"}"), List.of("1#list|0[\"L1\"]"),
                request("{\"sub\":\"u\"}", "{}", "list", null), List.of()));
        cases.add(valid("unknown stream subscription is ignored", "  all:\n    auto_subscribe: true\n    query: SELECT * FROM todos\n",
                row("todos", "{\"id\":\"t1\"}"), List.of("1#all|0[]"), request("{\"sub\":\"u\"}", "{}", "nope", "{}"), List.of("1#all|0[]")));
        cases.add(valid("connection parameter", "  region:\n    auto_subscribe: true\n    accept_potentially_dangerous_queries: true\n    query: SELECT * FROM shops WHERE region = connection.parameter('region')\n",
                row("shops", "{\"id\":\"s1\",\"region\":\"eu\"}"), List.of("1#region|0[\"eu\"]"),
                request("{\"sub\":\"u\"}", "{\"region\":\"eu\"}"), List.of("1#region|0[\"eu\"]")));
        cases.add(valid("two keys in reverse order", "  both:\n    auto_subscribe: true\n    query: SELECT * FROM t WHERE a = auth.user_id() AND b = auth.parameter('org')\n",
                row("t", "{\"id\":\"x\",\"a\":\"u1\",\"b\":\"o1\"}"), List.of("1#both|0[\"o1\",\"u1\"]"),
                new Request("{\"sub\":\"u1\",\"org\":\"o1\"}", "{}", List.of()), List.of("1#both|0[\"o1\",\"u1\"]")));
        cases.add(valid("request-only gate", "  admins:\n    auto_subscribe: true\n    query: SELECT * FROM audit WHERE auth.parameter('role') = 'admin'\n",
                row("audit", "{\"id\":\"a1\"}"), List.of("1#admins|0[]"), user("u1"), List.of()));
        cases.add(valid("request-only gate passes", "  admins:\n    auto_subscribe: true\n    query: SELECT * FROM audit WHERE auth.parameter('role') = 'admin'\n",
                row("audit", "{\"id\":\"a1\"}"), List.of("1#admins|0[]"), new Request("{\"sub\":\"u\",\"role\":\"admin\"}", "{}", List.of()), List.of("1#admins|0[]")));
        cases.add(valid("OR of two keys: one family, two sources", "  docs:\n    auto_subscribe: true\n    query: SELECT * FROM documents WHERE owner_id = auth.user_id() OR shared_with = auth.user_id()\n",
                row("documents", "{\"id\":\"d1\",\"owner_id\":\"u1\",\"shared_with\":\"u2\"}"), List.of("1#docs|0[\"u1\"]", "1#docs|0[\"u2\"]"),
                user("u2"), List.of("1#docs|0[\"u2\"]")));
        cases.add(valid("OR with different shapes: two families", "  mixed:\n    auto_subscribe: true\n    query: SELECT * FROM t WHERE owner = auth.user_id() OR public = 1 AND auth.parameter('guest') = 0\n",
                row("t", "{\"id\":\"x\",\"owner\":\"u9\",\"public\":1}"), List.of("1#mixed|0[\"u9\"]", "1#mixed|1[]"),
                new Request("{\"sub\":\"u1\",\"guest\":0}", "{}", List.of()), List.of("1#mixed|0[\"u1\"]", "1#mixed|1[]")));
        cases.add(valid("subquery lookup", "  lists:\n    auto_subscribe: true\n    query: SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE owner_id = auth.user_id())\n",
                row("todos", "{\"id\":\"t1\",\"list_id\":\"L1\"}"), List.of("1#lists|0[\"L1\"]"), user("u1"), List.of("1#lists|0[\"L1\"]"),
                row("lists", "{\"id\":\"L1\",\"owner_id\":\"u1\"}"), row("lists", "{\"id\":\"L2\",\"owner_id\":\"u2\"}")));
        cases.add(valid("nested subqueries", "  deep:\n    auto_subscribe: true\n    query: SELECT * FROM items WHERE box_id IN (SELECT id FROM boxes WHERE room_id IN (SELECT id FROM rooms WHERE owner = auth.user_id()))\n",
                row("items", "{\"id\":\"i1\",\"box_id\":\"b1\"}"), List.of("1#deep|0[\"b1\"]"), user("u1"), List.of("1#deep|0[\"b1\"]"),
                row("rooms", "{\"id\":\"r1\",\"owner\":\"u1\"}"), row("boxes", "{\"id\":\"b1\",\"room_id\":\"r1\"}"), row("boxes", "{\"id\":\"b2\",\"room_id\":\"r2\"}")));
        cases.add(valid("subquery with a row filter", "  active:\n    auto_subscribe: true\n    query: SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE owner_id = auth.user_id() AND archived = 0)\n",
                row("todos", "{\"id\":\"t1\",\"list_id\":\"L2\"}"), List.of("1#active|0[\"L2\"]"), user("u1"), List.of("1#active|0[\"L1\"]"),
                row("lists", "{\"id\":\"L1\",\"owner_id\":\"u1\",\"archived\":0}"), row("lists", "{\"id\":\"L2\",\"owner_id\":\"u1\",\"archived\":1}")));
        cases.add(valid("global CTE", "  lists:\n    auto_subscribe: true\n    query: SELECT * FROM todos WHERE list_id IN my_lists\nwith:\n  my_lists: SELECT id FROM lists WHERE owner_id = auth.user_id()\n",
                row("todos", "{\"id\":\"t1\",\"list_id\":\"L1\"}"), List.of("1#lists|0[\"L1\"]"), user("u1"), List.of("1#lists|0[\"L1\"]"),
                row("lists", "{\"id\":\"L1\",\"owner_id\":\"u1\"}")));
        cases.add(valid("join with a row filter on the joined table", "  j:\n    auto_subscribe: true\n    query: SELECT todos.* FROM todos JOIN lists ON todos.list_id = lists.id WHERE lists.owner_id = auth.user_id() AND lists.archived = 0\n",
                row("todos", "{\"id\":\"t1\",\"list_id\":\"L1\"}"), List.of("1#j|0[\"L1\"]"), user("u1"), List.of("1#j|0[\"L1\"]"),
                row("lists", "{\"id\":\"L1\",\"owner_id\":\"u1\",\"archived\":0}"), row("lists", "{\"id\":\"L3\",\"owner_id\":\"u1\",\"archived\":1}")));
        cases.add(valid("two-hop join", "  j2:\n    auto_subscribe: true\n    query: SELECT c.* FROM comments c JOIN posts p ON c.post_id = p.id JOIN blogs b ON p.blog_id = b.id WHERE b.owner = auth.user_id()\n",
                row("comments", "{\"id\":\"c1\",\"post_id\":\"p1\"}"), List.of("1#j2|0[\"p1\"]"), user("u1"), List.of("1#j2|0[\"p1\"]"),
                row("blogs", "{\"id\":\"b1\",\"owner\":\"u1\"}"), row("posts", "{\"id\":\"p1\",\"blog_id\":\"b1\"}")));
        cases.add(valid("alias renames the output table", "  t:\n    auto_subscribe: true\n    query: SELECT id, title FROM todos AS tasks\n",
                row("todos", "{\"id\":\"t1\",\"title\":\"x\",\"secret\":\"s\"}"), List.of("1#t|0[]"), user("u"), List.of("1#t|0[]")));
        cases.add(valid("wildcard table", "  all:\n    auto_subscribe: true\n    query: SELECT * FROM \"todos_%\"\n",
                row("todos_2024", "{\"id\":\"t1\"}"), List.of("1#all|0[]"), user("u"), List.of("1#all|0[]")));
        cases.add(valid("expression partition key", "  lower:\n    auto_subscribe: true\n    query: SELECT * FROM users WHERE lower(email) = auth.parameter('email')\n",
                row("users", "{\"id\":\"x\",\"email\":\"A@B.C\"}"), List.of("1#lower|0[\"a@b.c\"]"),
                new Request("{\"sub\":\"u\",\"email\":\"a@b.c\"}", "{}", List.of()), List.of("1#lower|0[\"a@b.c\"]")));
        cases.add(valid("BETWEEN and CASE as row filters", "  range:\n    auto_subscribe: true\n    query: SELECT * FROM t WHERE n BETWEEN 1 AND 5 AND CASE WHEN kind = 'a' THEN 1 ELSE 0 END = 1\n",
                row("t", "{\"id\":\"x\",\"n\":3,\"kind\":\"a\"}"), List.of("1#range|0[]"), user("u"), List.of("1#range|0[]")));
        cases.add(valid("priority override and intersection", "  p:\n    priority: 1\n    auto_subscribe: true\n    query: SELECT * FROM t WHERE k = auth.user_id() AND k IN auth.parameter('allowed')\n",
                row("t", "{\"id\":\"x\",\"k\":\"u1\"}"), List.of("1#p|0[\"u1\"]"),
                new Request("{\"sub\":\"u1\",\"allowed\":[\"u2\"]}", "{}", List.of()), List.of()));
        // ---------------------------------------------------------------- valid legacy
        cases.add(legacy("legacy per-user bucket", "bucket_definitions:\n  by_user:\n    parameters: SELECT request.user_id() AS user_id\n    data:\n      - SELECT * FROM todos WHERE owner = bucket.user_id\n",
                row("todos", "{\"id\":\"t1\",\"owner\":\"u1\"}"), List.of("by_user[\"u1\"]"), user("u1"), List.of("by_user[\"u1\"]")));
        cases.add(legacy("legacy edition 2 is versioned", "config:\n  edition: 2\nbucket_definitions:\n  g:\n    data: [SELECT * FROM todos]\n",
                row("todos", "{\"id\":\"t1\"}"), List.of("1#g[]"), user("u1"), List.of("1#g[]")));
        cases.add(legacy("legacy token parameters", "bucket_definitions:\n  team:\n    parameters: SELECT token_parameters.team AS team\n    data: [SELECT * FROM docs WHERE team_id = bucket.team]\n",
                row("docs", "{\"id\":\"d\",\"team_id\":\"t7\"}"), List.of("team[\"t7\"]"),
                new Request("{\"sub\":\"u\",\"parameters\":{\"team\":\"t7\"}}", "{}", List.of()), List.of("team[\"t7\"]")));
        cases.add(legacy("legacy json_each over a claim", "bucket_definitions:\n  proj:\n    parameters: SELECT value AS project_id FROM json_each(request.jwt() -> 'project_ids')\n    data: [SELECT * FROM tasks WHERE project_id = bucket.project_id]\n",
                row("tasks", "{\"id\":\"k\",\"project_id\":\"p1\"}"), List.of("proj[\"p1\"]"),
                new Request("{\"sub\":\"u\",\"project_ids\":[\"p1\",\"p2\"]}", "{}", List.of()), List.of("proj[\"p1\"]", "proj[\"p2\"]")));
        cases.add(legacy("legacy table parameter query", "bucket_definitions:\n  lists:\n    parameters: SELECT id AS list_id FROM lists WHERE owner_id = request.user_id()\n    data: [SELECT * FROM todos WHERE list_id = bucket.list_id]\n",
                row("todos", "{\"id\":\"t\",\"list_id\":\"L1\"}"), List.of("lists[\"L1\"]"), user("u1"), List.of("lists[\"L1\"]"),
                row("lists", "{\"id\":\"L1\",\"owner_id\":\"u1\"}"), row("lists", "{\"id\":\"L2\",\"owner_id\":\"u2\"}")));
        cases.add(legacy("legacy bucket parameter IN a row array", "bucket_definitions:\n  acl:\n    parameters: SELECT request.user_id() AS user_id\n    data: [SELECT * FROM notes WHERE bucket.user_id IN readers]\n",
                row("notes", "{\"id\":\"n\",\"readers\":\"[\\\"a\\\",\\\"b\\\"]\"}"), List.of("acl[\"a\"]", "acl[\"b\"]"), user("b"), List.of("acl[\"b\"]")));
        cases.add(legacy("legacy gate-only parameter query", "bucket_definitions:\n  admin:\n    parameters: SELECT FROM users WHERE users.id = request.user_id() AND users.is_admin = 1\n    data: [SELECT * FROM audit]\n",
                row("audit", "{\"id\":\"a\"}"), List.of("admin[]"), user("boss"), List.of("admin[]"),
                row("users", "{\"id\":\"boss\",\"is_admin\":1}"), row("users", "{\"id\":\"pleb\",\"is_admin\":0}")));
        cases.add(legacy("legacy two parameters in output order", "bucket_definitions:\n  ol:\n    parameters: SELECT token_parameters.org AS org, request.user_id() AS user_id\n    data: [SELECT * FROM t WHERE u = bucket.user_id AND o = bucket.org]\n",
                row("t", "{\"id\":\"x\",\"u\":\"u1\",\"o\":\"o1\"}"), List.of("ol[\"o1\",\"u1\"]"),
                new Request("{\"sub\":\"u1\",\"parameters\":{\"org\":\"o1\"}}", "{}", List.of()), List.of("ol[\"o1\",\"u1\"]")));

        // ---------------------------------------------------------------- invalid
        cases.add(new Invalid("YAML syntax", "streams:\n  a: [unclosed\n", "YAML_SYNTAX", 3, 1));
        cases.add(new Invalid("no streams or definitions", "config:\n  edition: 3\n", "CONFIG_MISSING_KEY", 1, 1));
        cases.add(new Invalid("unknown top-level key", "strems:\n  a:\n    query: SELECT * FROM t\nstreams: {}\n", "CONFIG_UNKNOWN_KEY", 1, 1));
        cases.add(new Invalid("unknown stream key", E3 + "  a:\n    qeury: SELECT * FROM t\n", "CONFIG_UNKNOWN_KEY", 5, 5));
        cases.add(new Invalid("stream without query", E3 + "  a:\n    auto_subscribe: true\n", "CONFIG_MISSING_KEY", 4, 3));
        cases.add(new Invalid("query and queries", E3 + "  a:\n    query: SELECT * FROM t\n    queries: [SELECT * FROM t]\n", "CONFIG_INVALID_VALUE", 6, 5));
        cases.add(new Invalid("priority out of range", E3 + "  a:\n    priority: 7\n    query: SELECT * FROM t\n", "CONFIG_INVALID_VALUE", 5, 15));
        cases.add(new Invalid("auto_subscribe not a boolean", E3 + "  a:\n    auto_subscribe: yes please\n    query: SELECT * FROM t\n", "CONFIG_INVALID_VALUE", 5, 21));
        cases.add(new Invalid("edition out of range", "config:\n  edition: 9\nstreams:\n  a:\n    query: SELECT * FROM t\n", "CONFIG_INVALID_VALUE", 2, 12));
        cases.add(new Invalid("bucket definitions in edition 3", "config:\n  edition: 3\nbucket_definitions:\n  a:\n    data: [SELECT * FROM t]\n", "CONFIG_EDITION_MISMATCH", 3, 1));
        cases.add(new Invalid("duplicate names across kinds", "streams:\n  a:\n    query: SELECT * FROM t\nbucket_definitions:\n  a:\n    data: [SELECT * FROM t]\n", "CONFIG_DUPLICATE_NAME", 5, 3));
        cases.add(new Invalid("duplicate YAML key", E3 + "  a:\n    query: SELECT * FROM t\n  a:\n    query: SELECT * FROM u\n", "CONFIG_DUPLICATE_NAME", 6, 3));
        cases.add(new Invalid("SQL syntax", E3 + "  a:\n    query: SELECT * FORM t\n", "SQL_SYNTAX", 5, 21));
        cases.add(new Invalid("missing id column", E3 + "  a:\n    query: SELECT name FROM t\n", "QUERY_MISSING_ID", 5, 12));
        cases.add(new Invalid("unnamed expression column", E3 + "  a:\n    query: SELECT id, upper(name) FROM t\n", "QUERY_OUTPUT_NAME", 5, 23));
        cases.add(new Invalid("left join", E3 + "  a:\n    query: SELECT t.* FROM t LEFT JOIN u ON t.x = u.y\n", "SQL_UNSUPPORTED", 5, 30));
        cases.add(new Invalid("order by", E3 + "  a:\n    query: SELECT * FROM t ORDER BY id\n", "SQL_UNSUPPORTED", 5, 28));
        cases.add(new Invalid("aggregate", E3 + "  a:\n    query: SELECT id, count(x) AS n FROM t\n", "SQL_UNSUPPORTED", 5, 23));
        cases.add(new Invalid("unknown function", E3 + "  a:\n    query: SELECT id, frobnicate(x) AS n FROM t\n", "SQL_UNKNOWN_FUNCTION", 5, 23));
        cases.add(new Invalid("request value in output", E3 + "  a:\n    query: SELECT id, auth.user_id() AS me FROM t\n", "SQL_REQUEST_VALUE_NOT_ALLOWED", 5, 23));
        cases.add(new Invalid("mixed condition", E3 + "  a:\n    query: SELECT * FROM t WHERE owner || 'x' = auth.user_id() || n\n", "QUERY_NOT_A_FILTER", 5, 47));
        cases.add(new Invalid("NOT IN subquery", E3 + "  a:\n    query: SELECT * FROM t WHERE id NOT IN (SELECT x FROM u WHERE y = auth.user_id())\n", "SQL_UNSUPPORTED", 5, 37));
        cases.add(new Invalid("subquery of two columns", E3 + "  a:\n    query: SELECT * FROM t WHERE id IN (SELECT x, y FROM u WHERE y = auth.user_id())\n", "QUERY_SUBQUERY_SHAPE", 5, 41));
        cases.add(new Invalid("star with joins", E3 + "  a:\n    query: SELECT * FROM t JOIN u ON t.x = u.y\n", "QUERY_OUTPUT_TABLE", 5, 19));
        cases.add(new Invalid("joined table not linked", E3 + "  a:\n    query: SELECT t.* FROM t JOIN u ON u.a = auth.user_id()\n", "QUERY_JOIN_NOT_LINKED", 5, 44));
        cases.add(new Invalid("column of an unknown table", E3 + "  a:\n    query: SELECT id, z.name AS n FROM t\n", "QUERY_UNKNOWN_TABLE_REF", 5, 23));
        cases.add(new Invalid("bound parameter", E3 + "  a:\n    query: SELECT * FROM t WHERE id = ?\n", "SQL_UNSUPPORTED", 5, 39));
        cases.add(new Invalid("legacy data query misses a parameter", "bucket_definitions:\n  b:\n    parameters: SELECT request.user_id() AS user_id\n    data: [SELECT * FROM t]\n", "QUERY_PARAMETERS_NOT_COVERED", 4, 12));
        cases.add(new Invalid("legacy unknown bucket parameter", "bucket_definitions:\n  b:\n    parameters: SELECT request.user_id() AS user_id\n    data: [SELECT * FROM t WHERE u = bucket.user_id AND o = bucket.org]\n", "QUERY_UNKNOWN_PARAMETER", 4, 59));
        cases.add(new Invalid("legacy request value in data query", "bucket_definitions:\n  b:\n    data: [SELECT * FROM t WHERE u = request.user_id()]\n", "SQL_REQUEST_VALUE_NOT_ALLOWED", 3, 36));
        cases.add(new Invalid("legacy parameter queries disagree", "bucket_definitions:\n  b:\n    parameters:\n      - SELECT request.user_id() AS a\n      - SELECT request.user_id() AS b\n    data: [SELECT * FROM t WHERE x = bucket.a]\n", "QUERY_PARAMETERS_MISMATCH", 5, 9));
        cases.add(new Invalid("legacy star in parameter query", "bucket_definitions:\n  b:\n    parameters: SELECT * FROM users\n    data: [SELECT * FROM t]\n", "QUERY_STAR_IN_PARAMETERS", 3, 24));
        cases.add(new Invalid("legacy bucket parameter on the right of IN", "bucket_definitions:\n  b:\n    parameters: SELECT request.user_id() AS u\n    data: [SELECT * FROM t WHERE x IN bucket.u]\n", "QUERY_PARAMETER_AS_ARRAY", 4, 36));
        cases.add(new Invalid("CTE with two columns", E3 + "  a:\n    with:\n      c: SELECT a, b FROM u WHERE a = auth.user_id()\n    query: SELECT * FROM t WHERE id IN c\n", "CTE_SHAPE", 6, 10));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void behavesAsTabled(Case testCase) {
        switch (testCase) {
            case Valid valid -> checkValid(valid);
            case Invalid invalid -> checkInvalid(invalid);
        }
    }

    private static void checkValid(Valid c) {
        SyncPlan plan = SyncConfigCompiler.compile(SyncConfigReader.read("sync-config.yaml", c.yaml()),
                new SyncConfigCompiler.Options(1, Optional.empty()));
        TestStore store = new TestStore(plan);
        for (Row setup : c.setup()) {
            store.put(setup.table(), flatten(setup.json()));
        }
        RowEvaluation evaluation = plan.evaluateRow(c.row().table(), TestStore.row(flatten(c.row().json())));
        assertThat(evaluation.errors()).isEmpty();
        assertThat(evaluation.placements()).extracting(BucketPlacement::bucket).as("row buckets")
                .containsExactlyInAnyOrderElementsOf(c.rowBuckets());
        String[] subscriptions = c.request().subscriptions().toArray(new String[0]);
        assertThat(store.bucketsFor(c.request().jwt(), c.request().connection(), subscriptions)).as("request buckets")
                .containsExactlyInAnyOrderElementsOf(c.requestBuckets());
    }

    private static void checkInvalid(Invalid c) {
        assertThatThrownBy(() -> SyncConfigCompiler.compile("sync-config.yaml", c.yaml()))
                .isInstanceOfSatisfying(SyncConfigException.class, e -> assertThat(e.issues())
                        .filteredOn(ConfigIssue::isError)
                        .extracting(ConfigIssue::code, ConfigIssue::line, ConfigIssue::column)
                        .as(e.getMessage())
                        .contains(org.assertj.core.groups.Tuple.tuple(c.code(), c.line(), c.column())));
    }

    private static Object[] flatten(String json) {
        JsonNode node = SqlJson.parse(json);
        List<Object> flat = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            flat.add(entry.getKey());
            JsonNode value = entry.getValue();
            flat.add(value.isNull() ? null : value.isIntegralNumber() ? (Object) value.longValue()
                    : value.isNumber() ? (Object) value.doubleValue() : value.asText());
        }
        return flat.toArray();
    }
}
