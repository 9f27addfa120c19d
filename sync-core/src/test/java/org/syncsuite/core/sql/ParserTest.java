package org.syncsuite.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParserTest {

    @Test
    void selectWithJoinSubqueryAndAliases() {
        Select select = Parser.parseSelect("""
                SELECT invoices.*, p.name AS project_name, 1 one FROM invoices
                  INNER JOIN projects p ON invoices.project_id = p.id, "Other Table"
                WHERE p.team_id IN (SELECT team_id FROM team_members WHERE user_id = auth.user_id())
                  AND invoices.tenant_id = auth.parameter('tenant_id') -- trailing comment
                """);
        assertThat(select.projections()).hasSize(3);
        assertThat(select.projections().get(0)).isInstanceOfSatisfying(Select.Star.class,
                star -> assertThat(star.qualifier()).contains("invoices"));
        assertThat(((Select.Item) select.projections().get(1)).outputName()).contains("project_name");
        assertThat(((Select.Item) select.projections().get(2)).outputName()).contains("one");
        assertThat(select.from()).get().isInstanceOfSatisfying(Select.TableRef.class,
                table -> assertThat(table.name()).isEqualTo("invoices"));
        assertThat(select.joins()).hasSize(2);
        assertThat(select.joins().get(0).on()).isPresent();
        assertThat(((Select.TableRef) select.joins().get(0).item()).referenceName()).isEqualTo("p");
        assertThat(((Select.TableRef) select.joins().get(1).item()).name()).isEqualTo("Other Table");
        Expr.Binary and = (Expr.Binary) select.where().orElseThrow();
        assertThat(and.operator()).isEqualTo("AND");
        assertThat(and.left()).isInstanceOf(Expr.InSelect.class);
    }

    @Test
    void tableFunctionsSchemasAndWildcards() {
        Select each = Parser.parseSelect("SELECT value AS project_id FROM json_each(request.jwt() -> 'project_ids')");
        assertThat(each.from()).get().isInstanceOfSatisfying(Select.TableFunction.class,
                f -> assertThat(f.name()).isEqualTo("json_each"));
        Select schema = Parser.parseSelect("SELECT * FROM app.\"todos_%\" AS t");
        Select.TableRef table = (Select.TableRef) schema.from().orElseThrow();
        assertThat(table.schema()).contains("app");
        assertThat(table.name()).isEqualTo("todos_%");
        assertThat(table.referenceName()).isEqualTo("t");
        assertThat(Parser.parseSelect("SELECT request.user_id() AS user_id").from()).isEmpty();
    }

    @Test
    void precedenceFollowsSqlite() {
        Expr expr = Parser.parseExpression("a = 1 OR b = 2 AND NOT c = 3");
        assertThat(expr).isInstanceOfSatisfying(Expr.Binary.class, or -> {
            assertThat(or.operator()).isEqualTo("OR");
            assertThat(((Expr.Binary) or.right()).operator()).isEqualTo("AND");
        });
        Expr concat = Parser.parseExpression("a || b -> 'x' = c");
        assertThat(((Expr.Binary) concat).operator()).isEqualTo("=");
        Expr between = Parser.parseExpression("x BETWEEN 1 AND 2 AND y");
        assertThat(((Expr.Binary) between).left()).isInstanceOf(Expr.Between.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
        "SELECT * FROM a LEFT JOIN b ON a.x = b.x => LEFT joins are not supported",
        "SELECT * FROM a ORDER BY x => ORDER is not supported",
        "SELECT * FROM a GROUP BY x => GROUP is not supported",
        "SELECT * FROM a LIMIT 1 => LIMIT is not supported",
        "SELECT * FROM a UNION SELECT * FROM b => UNION is not supported",
        "SELECT DISTINCT x FROM a => DISTINCT is not supported",
        "SELECT * FROM (SELECT * FROM a) => Subqueries in FROM",
        "SELECT * FROM a; => One statement only",
        "SELECT * FROM a WHERE EXISTS (SELECT 1) => EXISTS is not supported",
        "SELECT (SELECT 1) FROM a => Scalar subqueries",
        "SELECT * FROM => Expected a table name",
        "SELECT * FROM a WHERE => ends where an expression was expected",
        "SELECT x FROM a b c => after the end of the query",
    })
    void outsideTheSubsetFailsWithAPosition(String sql, String message) {
        assertThatThrownBy(() -> Parser.parseSelect(sql))
                .isInstanceOfSatisfying(SqlSyntaxException.class, e -> assertThat(e.offset()).isBetween(0, sql.length()))
                .hasMessageContaining(message);
    }

    @Test
    void errorOffsetsPointAtTheProblem() {
        String sql = "SELECT * FROM a WHERE x = 'open";
        assertThatThrownBy(() -> Parser.parseSelect(sql))
                .isInstanceOfSatisfying(SqlSyntaxException.class, e -> assertThat(e.offset()).isEqualTo(sql.indexOf('\'')));
        String joins = "SELECT * FROM a RIGHT JOIN b ON a.x = b.x";
        assertThatThrownBy(() -> Parser.parseSelect(joins))
                .isInstanceOfSatisfying(SqlSyntaxException.class, e -> assertThat(e.offset()).isEqualTo(joins.indexOf("RIGHT")));
    }

    @Test
    void expressionsNestUpToTheLimitAndNoDeeper() {
        assertThat(Parser.parseExpression("(".repeat(Parser.MAX_DEPTH - 1) + "1" + ")".repeat(Parser.MAX_DEPTH - 1)))
                .isInstanceOf(Expr.Literal.class);
        for (String deep : java.util.List.of("(".repeat(5000) + "1" + ")".repeat(5000), "NOT ".repeat(5000) + "1",
                "1" + " + 1".repeat(5000), "- ".repeat(5000) + "1", "x = 1" + " OR x = 1".repeat(5000))) {
            assertThatThrownBy(() -> Parser.parseExpression(deep))
                    .isInstanceOfSatisfying(SqlSyntaxException.class, e -> assertThat(e.code()).isEqualTo("SQL_TOO_DEEP"));
        }
    }

    @ParameterizedTest
    @CsvSource({"0x", "0xg1", "0x1fffffffffffffffff", "0x10000000000000000"})
    void malformedHexadecimalNumbersAreSyntaxErrors(String number) {
        assertThatThrownBy(() -> Parser.parseExpression("1 + " + number))
                .isInstanceOfSatisfying(SqlSyntaxException.class, e -> {
                    assertThat(e.code()).isEqualTo("SQL_SYNTAX");
                    assertThat(e.offset()).isEqualTo(4);
                });
    }
}
