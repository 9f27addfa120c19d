package org.syncsuite.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.sql.Parser;

/**
 * The sync config from anyone who can deploy one: valid configs (Sync Streams edition 3 and legacy
 * {@code bucket_definitions}) with characters and lines deleted, duplicated, swapped or
 * inserted, values changed to other types, random YAML-looking text and deeply nested queries
 * compile to a plan or fail with {@link SyncConfigException}, every issue placed at a line and
 * column of the file; never with another exception.
 */
class SyncConfigParserPropertiesTest {

    private static final String FILE = "sync-config.yaml";
    private static final List<String> SEEDS = List.of("field-service.yaml", "multi-tenant.yaml", "chat.yaml",
            "todo-lists.yaml", "legacy-buckets.yaml", "legacy-edition2.yaml");

    @Example
    void everySeedConfigCompiles() {
        for (String seed : SEEDS) {
            SyncPlan plan = SyncConfigCompiler.compile(FILE, seed(seed));
            assertThat(plan.streamNames()).as(seed).isNotEmpty();
        }
    }

    @Property(tries = 300)
    void configsWithEditedCharactersCompileOrReportPositionedErrors(@ForAll("charEdited") String yaml) {
        compilesOrReportsPositionedErrors(yaml);
    }

    @Property(tries = 300)
    void configsWithEditedLinesCompileOrReportPositionedErrors(@ForAll("lineEdited") String yaml) {
        compilesOrReportsPositionedErrors(yaml);
    }

    @Property(tries = 200)
    void configsWithValuesOfOtherTypesCompileOrReportPositionedErrors(@ForAll("retyped") String yaml) {
        compilesOrReportsPositionedErrors(yaml);
    }

    @Property(tries = 200)
    void yamlLookingTextCompilesOrReportsPositionedErrors(@ForAll("yamlish") String yaml) {
        compilesOrReportsPositionedErrors(yaml);
    }

    @Property(tries = 200)
    void queriesWithEditedSqlCompileOrReportPositionedErrors(@ForAll("sqlEdited") String yaml) {
        compilesOrReportsPositionedErrors(yaml);
    }

    @Property(tries = 10)
    void queriesNestedBeyondTheLimitAreErrorsNotStackOverflows(@ForAll("nestings") String nesting,
                                                                @ForAll @IntRange(min = Parser.MAX_DEPTH + 1, max = 50_000) int depth) {
        String yaml = "config:\n  edition: 3\nstreams:\n  s:\n    query: SELECT * FROM t WHERE " + build(nesting, depth) + "\n";
        List<ConfigIssue> issues = compilesOrReportsPositionedErrors(yaml);
        assertThat(issues).anySatisfy(issue -> {
            assertThat(issue.code()).isEqualTo("SQL_TOO_DEEP");
            assertThat(issue.line()).isEqualTo(5);
        });
    }

    @Property(tries = 30)
    void queriesNestedWithinTheLimitCompileOnASmallStack(@ForAll("nestings") String nesting,
                                                         @ForAll @IntRange(min = 1, max = Parser.MAX_DEPTH / 2) int depth,
                                                         @ForAll boolean legacy) throws Exception {
        String condition = build(nesting, depth);
        String yaml = legacy ? "bucket_definitions:\n  b:\n    data:\n      - SELECT * FROM t WHERE " + condition + "\n"
                : "config:\n  edition: 3\nstreams:\n  s:\n    auto_subscribe: true\n    query: SELECT *, " + condition
                        + " AS v FROM t WHERE " + condition + "\n";
        // compile, then evaluate a row, on half the default stack of a (virtual) thread
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread thread = new Thread(null, () -> {
            try {
                compilesOrReportsPositionedErrors(yaml);
                try {
                    SyncPlan plan = SyncConfigCompiler.compile(FILE, yaml);
                    plan.evaluateRow("t", java.util.Map.of("id", org.syncsuite.core.SqliteValue.of("r1"),
                            "x", org.syncsuite.core.SqliteValue.of(1L), "y", org.syncsuite.core.SqliteValue.of("a")));
                } catch (SyncConfigException expected) {
                    // positioned, checked above
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "small-stack", 512 * 1024);
        thread.start();
        thread.join();
        if (failure.get() != null) {
            throw new AssertionError("depth " + depth + " of " + nesting, failure.get());
        }
    }

    @Property(tries = 10)
    void deeplyNestedYamlIsAnErrorNotAStackOverflow(@ForAll @IntRange(min = 60, max = 2_000) int depth, @ForAll boolean flow) {
        String yaml = flow ? "streams: " + "[".repeat(depth) + "]".repeat(depth) + "\n"
                : "streams:\n" + buildIndented(depth);
        compilesOrReportsPositionedErrors(yaml);
    }

    // ---- the outcome

    /** Compiles {@code yaml} (a plan, or every issue positioned) and returns what validating it says. */
    private static List<ConfigIssue> compilesOrReportsPositionedErrors(String yaml) {
        try {
            assertThat(SyncConfigCompiler.compile(FILE, yaml)).isNotNull();
        } catch (SyncConfigException e) {
            assertThat(e.errorCode()).isEqualTo(ErrorCode.SYNC_CONFIG_INVALID);
            assertThat(e.issues()).anyMatch(ConfigIssue::isError);
            assertPlaced(e.issues(), yaml);
        }
        List<ConfigIssue> issues = SyncConfigCompiler.validate(FILE, yaml, SyncConfigCompiler.Options.DEFAULT);
        assertPlaced(issues, yaml);
        return issues;
    }

    private static void assertPlaced(List<ConfigIssue> issues, String yaml) {
        String[] lines = yaml.split(SyncConfigReader.LINE_BREAK, -1);
        assertThat(issues).allSatisfy(issue -> {
            assertThat(issue.file()).isEqualTo(FILE);
            assertThat(issue.code()).isNotBlank();
            assertThat(issue.message()).isNotBlank();
            assertThat(issue.line()).as(issue.toString()).isBetween(1, lines.length);
            assertThat(issue.column()).as(issue.toString()).isBetween(1, lines[issue.line() - 1].length() + 1);
        });
    }

    // ---- generators

    private static String seed(String name) {
        try (InputStream in = SyncConfigParserPropertiesTest.class.getResourceAsStream("/sync-configs/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Arbitrary<String> seeds() {
        return Arbitraries.of(SEEDS).map(SyncConfigParserPropertiesTest::seed);
    }

    /** Characters that matter to YAML and to SQL. */
    private static Arbitrary<Character> specials() {
        return Arbitraries.of(':', '-', ' ', '\n', '\t', '\'', '"', '#', '&', '*', '!', '|', '>', '[', ']', '{', '}', ',', '?',
                '%', '@', '`', '(', ')', '=', ';', '\\', '\u0000', '\u0085', '\u2028', '\uFEFF', '\uD800', 'x', '1');
    }

    @Provide
    Arbitrary<String> charEdited() {
        Arbitrary<int[]> edit = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().greaterOrEqual(0),
                specials()).as((kind, at, c) -> new int[]{kind, at, c});
        return Combinators.combine(seeds(), edit.list().ofMinSize(1).ofMaxSize(6)).as((text, edits) -> {
            StringBuilder out = new StringBuilder(text);
            for (int[] e : edits) {
                int at = e[1] % out.length();
                switch (e[0]) {
                    case 0 -> out.deleteCharAt(at);
                    case 1 -> out.insert(at, out.charAt(at));
                    case 2 -> {
                        int other = (at + 1) % out.length();
                        char c = out.charAt(at);
                        out.setCharAt(at, out.charAt(other));
                        out.setCharAt(other, c);
                    }
                    default -> out.insert(at, (char) e[2]);
                }
                if (out.isEmpty()) {
                    out.append(' ');
                }
            }
            return out.toString();
        });
    }

    @Provide
    Arbitrary<String> lineEdited() {
        Arbitrary<int[]> edit = Combinators.combine(Arbitraries.integers().between(0, 4), Arbitraries.integers().greaterOrEqual(0),
                Arbitraries.integers().greaterOrEqual(0)).as((kind, a, b) -> new int[]{kind, a, b});
        return Combinators.combine(seeds(), edit.list().ofMinSize(1).ofMaxSize(4)).as((text, edits) -> {
            List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
            for (int[] e : edits) {
                int a = e[1] % lines.size();
                int b = e[2] % lines.size();
                switch (e[0]) {
                    case 0 -> {
                        if (lines.size() > 1) {
                            lines.remove(a);
                        }
                    }
                    case 1 -> lines.add(a, lines.get(a));
                    case 2 -> {
                        String line = lines.get(a);
                        lines.set(a, lines.get(b));
                        lines.set(b, line);
                    }
                    case 3 -> lines.set(a, "  " + lines.get(a)); // indented deeper
                    default -> lines.set(a, lines.get(a).stripLeading()); // out to the margin
                }
            }
            return String.join("\n", lines);
        });
    }

    @Provide
    Arbitrary<String> retyped() {
        Arbitrary<String> values = Arbitraries.of("[1, 2]", "{a: b}", "123", "-1", "4", "null", "~", "true", "yes", "''", "\"\"",
                "!!binary aGk=", "!!int 7", "!env HOME", "&anchor x", "*anchor", "|", ">-", "- x", "1e999", "0x1F", ".inf", ".nan",
                "2024-01-01", "[[[]]]", "{query: SELECT 1}", "'SELECT * FROM t'", "\"SELECT \\u0000\"", "? complex", "x".repeat(500));
        return Combinators.combine(seeds(), Arbitraries.integers().greaterOrEqual(0), values, Arbitraries.of(true, false))
                .as((text, at, value, key) -> {
                    String[] lines = text.split("\n", -1);
                    List<Integer> withColon = new ArrayList<>();
                    for (int i = 0; i < lines.length; i++) {
                        if (lines[i].contains(":")) {
                            withColon.add(i);
                        }
                    }
                    int line = withColon.get(at % withColon.size());
                    String current = lines[line];
                    int colon = current.indexOf(':');
                    lines[line] = key ? current.substring(0, current.length() - current.stripLeading().length()) + value
                            + current.substring(colon) : current.substring(0, colon + 1) + " " + value;
                    return String.join("\n", lines);
                });
    }

    @Provide
    Arbitrary<String> yamlish() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcsqluery:-_ \n\t'\"#&*!|>[]{},?%@`()=;\\0123456789.").ofMaxLength(200),
                Arbitraries.strings().all().ofMaxLength(100),
                Arbitraries.strings().withChars("streams:query bucket_definitions data parameters config edition \n -:'|")
                        .ofMaxLength(300));
    }

    @Provide
    Arbitrary<String> sqlEdited() {
        Arbitrary<String> tokens = Arbitraries.of("SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "NULL", "(", ")", "'", "\"",
                ",", "*", "=", "!=", "->>", "->", "||", "+", "-", "/", "%", "auth.user_id()", "auth.parameter('x')",
                "subscription.parameter('p')", "connection.parameter('c')", "request.user_id()", "bucket.x", "json_extract(",
                "CAST(", "AS", "TEXT", "INTEGER", "CASE", "WHEN", "THEN", "ELSE", "END", "JOIN", "ON", "LIMIT", "1e999",
                "9223372036854775808", "0x", "?", ":x", "$1", "`t`", "--", "/*", ";", "t", "id", "x", "1", "'a''b'", "X'00'");
        Arbitrary<String> sql = tokens.list().ofMinSize(1).ofMaxSize(25).map(list -> String.join(" ", list));
        Arbitrary<String> prefixed = Combinators.combine(Arbitraries.of("SELECT * FROM t WHERE ", "SELECT ", "",
                "SELECT id FROM t WHERE x IN (SELECT "), sql).as(String::concat);
        return Combinators.combine(prefixed, Arbitraries.of(true, false)).as((query, legacy) -> legacy
                ? "bucket_definitions:\n  b:\n    parameters: " + quote(query) + "\n    data:\n      - " + quote(query) + "\n"
                : "config:\n  edition: 3\nstreams:\n  s:\n    auto_subscribe: true\n    query: " + quote(query) + "\n");
    }

    @Provide
    Arbitrary<String> nestings() {
        return Arbitraries.of("(", "NOT ", "- ", "+", "1 + ", "x = 1 OR ", "x = 1 AND ", "abs(", "json_extract(", "CASE WHEN 1 THEN ",
                "x IN (SELECT id FROM u WHERE y = ", "'a' || ");
    }

    /** An expression that nests {@code nesting} {@code depth} times around {@code 1}. */
    private static String build(String nesting, int depth) {
        StringBuilder out = new StringBuilder(nesting.repeat(depth)).append('1');
        String close = switch (nesting) {
            case "(", "abs(" -> ")";
            case "json_extract(" -> ", '$.a')";
            case "CASE WHEN 1 THEN " -> " END";
            case "x IN (SELECT id FROM u WHERE y = " -> ")";
            default -> "";
        };
        return out.append(close.repeat(depth)).toString();
    }

    private static String buildIndented(int depth) {
        StringBuilder out = new StringBuilder();
        for (int i = 1; i <= depth; i++) {
            out.append(" ".repeat(i)).append("k").append(i).append(":\n");
        }
        return out.toString();
    }

    /** A YAML double-quoted scalar of {@code text}. */
    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
