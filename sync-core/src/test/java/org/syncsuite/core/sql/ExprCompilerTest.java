package org.syncsuite.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;

/**
 * Expressions against one row and one request. Expected values are written as SQL literals of the
 * result: 'text', integers, reals, NULL, X'..' for blobs.
 */
class ExprCompilerTest {

    private static final Map<String, SqliteValue> ROW = new LinkedHashMap<>();

    static {
        ROW.put("id", SqliteValue.of("t1"));
        ROW.put("n", SqliteValue.of(7L));
        ROW.put("r", SqliteValue.of(2.5));
        ROW.put("title", SqliteValue.of("Buy milk"));
        ROW.put("empty", SqliteValue.NULL);
        ROW.put("tags", SqliteValue.of("[\"a\",\"b\",3]"));
        ROW.put("doc", SqliteValue.of("{\"a\":{\"b\":[10,20]},\"x.y\":1,\"t\":true,\"big\":9007199254740993,\"f\":1.0}"));
        ROW.put("blob", SqliteValue.ofBlob(new byte[] {(byte) 0xCA, (byte) 0xFE}));
        ROW.put("created", SqliteValue.of("2024-01-02T03:04:05.123Z"));
    }

    private static final RequestParameters REQUEST = RequestParameters.of(
            "{\"sub\":\"u1\",\"org_id\":\"o9\",\"roles\":[\"admin\",\"dev\"],\"parameters\":{\"team\":\"t7\"},\"nested\":{\"k\":2}}",
            "{\"region\":\"eu\",\"page\":3}").withSubscription(Optional.of("{\"list_id\":\"L1\",\"ids\":[1,2]}"));

    private static SqliteValue eval(String expression) {
        return eval(expression, true);
    }

    private static SqliteValue eval(String expression, boolean fixedJsonExtract) {
        Expr expr = Parser.parseExpression(expression);
        Resolver resolver = column -> {
            String name = column.name();
            return context -> context.column(name);
        };
        return new ExprCompiler(fixedJsonExtract).compile(expr, resolver).evaluate(new EvalContext(ROW, REQUEST));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '"', value = {
        // comparisons, null logic, type order
        "n = 7 => 1", "n = 7.0 => 1", "n != 7 => 0", "n > 6.5 => 1", "'7' = 7 => 0", "n < 'a' => 1", "empty = 1 => NULL", "empty IS NULL => 1",
        "empty IS NOT NULL => 0", "n IS 7 => 1", "empty IS empty => 1", "NULL AND 0 => 0", "NULL OR 1 => 1", "NULL AND 1 => NULL",
        "NOT 0 => 1", "NOT NULL => NULL", "'abc' < 'abd' => 1", "1 < X'00' => 1",
        // arithmetic
        "n + 1 => 8", "n / 2 => 3", "n / 2.0 => 3.5", "n % 4 => 3", "n / 0 => NULL", "'3' + 4 => 7", "'3.5' * 2 => 7.0", "'abc' + 1 => 1",
        "-n => -7", "~0 => -1", "9223372036854775807 + 1 => 9.223372036854776E18", "6 & 3 => 2", "6 | 3 => 7", "1 << 4 => 16",
        "title || '!' => 'Buy milk!'", "n || 'x' => '7x'", "empty || 'x' => NULL", "r * 2 => 5.0",
        // IN, BETWEEN, CASE, CAST
        "n IN (1, 7) => 1", "n IN (1, 2) => 0", "n NOT IN (1, 2) => 1", "n IN (1, NULL) => NULL", "'a' IN tags => 1", "3 IN tags => 1",
        "'c' IN tags => 0", "'c' NOT IN '[\"a\",\"b\"]' => 1", "n BETWEEN 1 AND 10 => 1", "n NOT BETWEEN 1 AND 10 => 0",
        "CASE WHEN n > 5 THEN 'big' ELSE 'small' END => 'big'", "CASE n WHEN 7 THEN 'seven' END => 'seven'",
        "CASE n WHEN 8 THEN 'eight' END => NULL", "CAST(n AS text) => '7'", "CAST('12abc' AS integer) => 12",
        "CAST('x' AS integer) => 0", "CAST('2.5' AS real) => 2.5", "CAST(2.9 AS integer) => 2", "CAST('3.0' AS numeric) => 3",
        "CAST('3.5' AS numeric) => 3.5", "n :: real => 7.0", "CAST('hi' AS blob) => X'6869'", "tags && '[\"b\",\"z\"]' => 1",
        "tags && '[\"z\"]' => 0", "ARRAY['a','b'] => '[\"a\",\"b\"]'", "n IN ARRAY[7, 8] => 1",
        // JSON
        "doc -> 'a' => '{\"b\":[10,20]}'", "doc ->> '$.a.b[1]' => 20", "doc -> '$.a.b' => '[10,20]'", "doc ->> 'x.y' => 1",
        "doc ->> 't' => 1", "doc ->> 'big' => 9007199254740993", "doc -> 'f' => '1'", "doc ->> 'missing' => NULL",
        "json_extract(doc, '$.a.b[0]') => 10", "json_array_length(tags) => 3", "json_array_length(doc, '$.a.b') => 2",
        "json_valid(doc) => 1", "json_valid('{') => 0", "json_keys('{\"p\":1,\"q\":2}') => '[\"p\",\"q\"]'", "tags -> 0 => '\"a\"'",
        // scalar functions
        "upper(title) => 'BUY MILK'", "lower('ÀB') => 'àb'", "substring(title, 5) => 'milk'", "substring(title, 1, 3) => 'Buy'",
        "substring(title, -4, 2) => 'mi'", "substr('abc', 0, 2) => 'a'", "instr(title, 'milk') => 5", "instr(title, 'x') => 0",
        "hex(blob) => 'CAFE'", "hex('hi') => '6869'", "base64(blob) => 'yv4='", "length(title) => 8", "length(blob) => 2",
        "length('😀') => 1", "typeof(n) => 'integer'", "typeof(r) => 'real'", "typeof(title) => 'text'", "typeof(empty) => 'null'",
        "typeof(blob) => 'blob'", "ifnull(empty, 'd') => 'd'", "iif(n > 1, 'y', 'n') => 'y'",
        "uuid_blob('00112233-4455-6677-8899-aabbccddeeff') => X'00112233445566778899AABBCCDDEEFF'",
        "unixepoch('2024-01-02 03:04:05') => 1704164645", "unixepoch(created) => 1704164645",
        "unixepoch(created, 'subsec') => 1.704164645123E9", "datetime(1704164645, 'unixepoch') => '2024-01-02 03:04:05'",
        "datetime('2024-01-02T03:04:05.123Z', 'subsec') => '2024-01-02 03:04:05.123'",
        "unixepoch(2460311.5) => 1704153600",
        // request values
        "auth.user_id() => 'u1'", "request.user_id() => 'u1'", "auth.parameter('org_id') => 'o9'",
        "auth.parameter('roles') => '[\"admin\",\"dev\"]'", "auth.parameter('$.nested.k') => 2", "'admin' IN auth.parameter('roles') => 1",
        "auth.parameters() ->> 'org_id' => 'o9'", "request.jwt() ->> 'sub' => 'u1'", "connection.parameter('region') => 'eu'",
        "request.parameters() ->> 'page' => 3", "subscription.parameter('list_id') => 'L1'", "2 IN subscription.parameter('ids') => 1",
        "subscription.parameters() => '{\"list_id\":\"L1\",\"ids\":[1,2]}'", "token_parameters.user_id => 'u1'",
        "token_parameters.team => 't7'", "user_parameters.region => 'eu'", "auth.parameter('absent') => NULL",
    })
    void evaluates(String expression, String expected) {
        assertThat(eval(expression)).isEqualTo(literal(expected));
    }

    @Test
    void legacyJsonPathsSplitOnDots() {
        assertThat(eval("doc ->> 'x.y'", false)).isEqualTo(SqliteValue.NULL);
        assertThat(eval("doc -> 'a.b'", false)).isEqualTo(SqliteValue.of("[10,20]"));
        assertThat(eval("doc -> 'a.b'", true)).isEqualTo(SqliteValue.NULL);
    }

    @Test
    void malformedValuesAreEvaluationErrors() {
        assertThatThrownBy(() -> eval("title -> 'a'")).isInstanceOf(SqlEvaluationException.class).hasMessageContaining("Malformed JSON");
        assertThatThrownBy(() -> eval("'a' IN title")).isInstanceOf(SqlEvaluationException.class);
        assertThatThrownBy(() -> eval("blob < blob")).isInstanceOf(SqlEvaluationException.class);
        assertThatThrownBy(() -> eval("uuid_blob('nope')")).isInstanceOf(SqlEvaluationException.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "count(n)|SQL_UNSUPPORTED|Aggregate",
        "random()|SQL_UNSUPPORTED|same result",
        "nosuch(n)|SQL_UNKNOWN_FUNCTION|Unknown function nosuch()",
        "auth.whoami()|SQL_UNKNOWN_FUNCTION|request functions are",
        "upper(n, 1)|SQL_ARGUMENTS|takes 1 argument",
        "auth.parameter(n)|SQL_ARGUMENTS|string literal",
        "n LIKE 'a%'|SQL_UNSUPPORTED|Pattern matching",
        "CAST(n AS varchar)|SQL_UNSUPPORTED|Cannot cast",
        "n = ?|SQL_UNSUPPORTED|Bound parameters",
        "(n|SQL_SYNTAX|Expected ')'",
        "n = 'open|SQL_SYNTAX|Unterminated string",
        "n IN (SELECT id FROM t)|SQL_UNSUPPORTED|WHERE clause",
    })
    void outsideTheSubsetIsAClearError(String expression, String code, String message) {
        assertThatThrownBy(() -> eval(expression))
                .isInstanceOfSatisfying(SqlSyntaxException.class, e -> assertThat(e.code()).isEqualTo(code))
                .hasMessageContaining(message);
    }

    @Test
    void requestValuesCanBeForbidden() {
        Resolver rowOnly = new Resolver() {
            @Override
            public Evaluator column(Expr.Column column) {
                return context -> SqliteValue.NULL;
            }

            @Override
            public boolean allowsRequestValues() {
                return false;
            }
        };
        assertThatThrownBy(() -> new ExprCompiler(true).compile(Parser.parseExpression("auth.user_id()"), rowOnly))
                .isInstanceOfSatisfying(SqlSyntaxException.class, e -> assertThat(e.code()).isEqualTo("SQL_REQUEST_VALUE_NOT_ALLOWED"));
    }

    @Test
    void geometryFunctionsReadMysqlAndWkbForms() {
        // MySQL internal form: SRID 4326 (LE) + WKB point (1, 2.5)
        String point = "E6100000" + "01" + "01000000" + "000000000000F03F" + "0000000000000440";
        ROW.put("geo", SqliteValue.ofBlob(java.util.HexFormat.of().parseHex(point)));
        try {
            assertThat(eval("ST_X(geo)")).isEqualTo(SqliteValue.of(1.0));
            assertThat(eval("ST_Y(geo)")).isEqualTo(SqliteValue.of(2.5));
            assertThat(eval("ST_AsText(geo)")).isEqualTo(SqliteValue.of("POINT(1 2.5)"));
            assertThat(eval("ST_AsGeoJSON(geo)")).isEqualTo(SqliteValue.of("{\"type\":\"Point\",\"coordinates\":[1,2.5]}"));
        } finally {
            ROW.remove("geo");
        }
    }

    private static SqliteValue literal(String text) {
        if (text.equals("NULL")) {
            return SqliteValue.NULL;
        }
        if (text.startsWith("X'")) {
            return SqliteValue.ofBlob(java.util.HexFormat.of().parseHex(text.substring(2, text.length() - 1)));
        }
        if (text.startsWith("'")) {
            return SqliteValue.of(text.substring(1, text.length() - 1));
        }
        if (text.contains(".") || text.contains("E")) {
            return SqliteValue.of(Double.parseDouble(text));
        }
        return SqliteValue.of(Long.parseLong(text));
    }
}
