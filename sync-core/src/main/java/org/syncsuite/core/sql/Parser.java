package org.syncsuite.core.sql;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.syncsuite.core.SqliteValue;

/**
 * Recursive-descent parser of the SQL subset, with SQLite's operator precedence (lowest first):
 * OR; AND; NOT; = != IS IN BETWEEN; &lt; &lt;= &gt; &gt;= &amp;&amp;; &amp; | &lt;&lt; &gt;&gt;; + -; * / %;
 * || -&gt; -&gt;&gt;; unary - + ~; {@code ::type}. Constructs outside the subset fail with
 * {@code SQL_UNSUPPORTED} and say what to do instead.
 */
public final class Parser {

    private static final Set<String> RESERVED = Set.of(
            "select", "from", "where", "and", "or", "not", "in", "is", "null", "between", "case", "when", "then",
            "else", "end", "as", "join", "inner", "on", "cast", "left", "right", "outer", "full", "cross", "natural",
            "group", "order", "by", "limit", "offset", "union", "intersect", "except", "having", "distinct",
            "like", "glob", "regexp", "match", "escape", "exists", "using", "window", "over", "with", "true", "false");

    private static final Set<String> CAST_TYPES = Set.of("text", "numeric", "integer", "real", "blob");

    /**
     * How deep an expression may nest, counting parentheses, calls, unary operators and each
     * operator of a chain ({@code a + b + c} is a tree as deep as it is long). Parsing, compiling
     * and evaluating recurse over the tree: without a bound, a query of many thousands of levels
     * would overflow the stack. Real queries nest a few levels.
     */
    public static final int MAX_DEPTH = 64;

    private final List<Token> tokens;
    private int index;
    private int depth;

    private Parser(String sql) {
        this.tokens = Lexer.tokenize(sql);
    }

    /** Parses one SELECT statement (a trailing semicolon is not allowed). */
    public static Select parseSelect(String sql) {
        Parser parser = new Parser(sql);
        Select select = parser.select();
        parser.expectEnd();
        return select;
    }

    /** Parses one expression. */
    public static Expr parseExpression(String sql) {
        Parser parser = new Parser(sql);
        Expr expr = parser.expression();
        parser.expectEnd();
        return expr;
    }

    // ---- statements

    private Select select() {
        Token start = expectKeyword("SELECT");
        if (peek().isKeyword("DISTINCT")) {
            throw unsupported("SELECT DISTINCT is not supported: every source row syncs as it is", peek());
        }
        List<Select.Projection> projections = new ArrayList<>();
        if (!peek().isKeyword("FROM")) { // SELECT FROM t WHERE ...: a parameter query that only gates
            do {
                projections.add(projection());
            } while (acceptOperator(","));
        }
        Optional<Select.FromItem> from = Optional.empty();
        List<Select.Join> joins = new ArrayList<>();
        if (acceptKeyword("FROM")) {
            from = Optional.of(fromItem());
            while (true) {
                Token at = peek();
                if (acceptOperator(",")) {
                    joins.add(new Select.Join(fromItem(), Optional.empty(), at.offset()));
                } else if (at.isKeyword("JOIN") || at.isKeyword("INNER")) {
                    if (acceptKeyword("INNER")) {
                        expectKeyword("JOIN");
                    } else {
                        advance();
                    }
                    Select.FromItem item = fromItem();
                    Optional<Expr> on = Optional.empty();
                    if (acceptKeyword("ON")) {
                        on = Optional.of(expression());
                    } else if (peek().isKeyword("USING")) {
                        throw unsupported("JOIN ... USING is not supported: write ON a.col = b.col", peek());
                    }
                    joins.add(new Select.Join(item, on, at.offset()));
                } else if (at.isKeyword("LEFT") || at.isKeyword("RIGHT") || at.isKeyword("FULL")
                        || at.isKeyword("OUTER") || at.isKeyword("CROSS") || at.isKeyword("NATURAL")) {
                    throw unsupported(at.text().toUpperCase(Locale.ROOT) + " joins are not supported: only INNER JOIN "
                            + "with equality conditions, which decide bucket membership", at);
                } else {
                    break;
                }
            }
        }
        Optional<Expr> where = Optional.empty();
        if (acceptKeyword("WHERE")) {
            where = Optional.of(expression());
        }
        Token after = peek();
        for (String clause : List.of("GROUP", "ORDER", "LIMIT", "UNION", "HAVING", "INTERSECT", "EXCEPT", "OFFSET")) {
            if (after.isKeyword(clause)) {
                throw unsupported(clause + " is not supported: sync queries select whole rows, one row at a time", after);
            }
        }
        return new Select(projections, from, joins, where, start.offset());
    }

    private Select.Projection projection() {
        Token start = peek();
        if (acceptOperator("*")) {
            return new Select.Star(Optional.empty(), start.offset());
        }
        if (isName(start) && peek(1).isOperator(".") && peek(2).isOperator("*")) {
            advance();
            advance();
            advance();
            return new Select.Star(Optional.of(start.text()), start.offset());
        }
        Expr expr = expression();
        return new Select.Item(expr, alias(), start.offset());
    }

    private Optional<String> alias() {
        if (acceptKeyword("AS")) {
            Token name = advance();
            if (!isName(name) && name.kind() != Token.Kind.STRING) {
                throw syntax("Expected a name after AS", name);
            }
            return Optional.of(name.text());
        }
        Token next = peek();
        if (next.kind() == Token.Kind.QUOTED_IDENTIFIER || (next.kind() == Token.Kind.IDENTIFIER && !isReserved(next))) {
            advance();
            return Optional.of(next.text());
        }
        return Optional.empty();
    }

    private Select.FromItem fromItem() {
        Token start = peek();
        if (start.isOperator("(")) {
            throw unsupported("Subqueries in FROM are not supported: use a common table expression (with:) "
                    + "or col IN (SELECT ...)", start);
        }
        Token name = advance();
        if (!isName(name)) {
            throw syntax("Expected a table name", name);
        }
        if (peek().isOperator("(")) {
            advance();
            List<Expr> args = arguments();
            return new Select.TableFunction(name.text().toLowerCase(Locale.ROOT), args, alias(), start.offset());
        }
        Optional<String> schema = Optional.empty();
        String table = name.text();
        if (acceptOperator(".")) {
            Token second = advance();
            if (!isName(second)) {
                throw syntax("Expected a table name after '" + table + ".'", second);
            }
            schema = Optional.of(table);
            table = second.text();
            if (peek().isOperator(".")) {
                throw unsupported("Connection tags (tag.schema.table) are not supported: one source per service", peek());
            }
        }
        return new Select.TableRef(schema, table, alias(), start.offset());
    }

    // ---- expressions, lowest precedence first

    private Expr expression() {
        deeper(peek());
        Expr expr = or();
        depth--;
        return expr;
    }

    /** One level deeper at {@code at}; refused beyond {@link #MAX_DEPTH}. An error ends the parse, so no level is given back. */
    private void deeper(Token at) {
        if (++depth > MAX_DEPTH) {
            throw new SqlSyntaxException("SQL_TOO_DEEP", "The expression nests more than " + MAX_DEPTH
                    + " levels deep (parentheses, function calls and chained operators): simplify it", at.offset());
        }
    }

    private Expr or() {
        int levels = depth;
        Expr left = and();
        while (peek().isKeyword("OR")) {
            Token op = advance();
            deeper(op);
            left = new Expr.Binary("OR", left, and(), op.offset());
        }
        depth = levels;
        return left;
    }

    private Expr and() {
        int levels = depth;
        Expr left = not();
        while (peek().isKeyword("AND")) {
            Token op = advance();
            deeper(op);
            left = new Expr.Binary("AND", left, not(), op.offset());
        }
        depth = levels;
        return left;
    }

    private Expr not() {
        if (peek().isKeyword("NOT")) {
            Token op = advance();
            if (peek().isKeyword("EXISTS")) {
                throw unsupported("EXISTS is not supported: use col IN (SELECT ...)", peek());
            }
            deeper(op);
            Expr operand = not();
            depth--;
            return new Expr.Unary("NOT", operand, op.offset());
        }
        if (peek().isKeyword("EXISTS")) {
            throw unsupported("EXISTS is not supported: use col IN (SELECT ...)", peek());
        }
        return equality();
    }

    private Expr equality() {
        int levels = depth;
        Expr left = relational();
        while (true) {
            Token op = peek();
            if (isComparison(op)) {
                deeper(op);
            }
            if (op.isOperator("=") || op.isOperator("==")) {
                advance();
                left = new Expr.Binary("=", left, relational(), op.offset());
            } else if (op.isOperator("!=") || op.isOperator("<>")) {
                advance();
                left = new Expr.Binary("!=", left, relational(), op.offset());
            } else if (op.isKeyword("IS")) {
                advance();
                boolean negated = acceptKeyword("NOT");
                left = new Expr.Binary(negated ? "IS NOT" : "IS", left, relational(), op.offset());
            } else if (op.isKeyword("ISNULL") || op.isKeyword("NOTNULL")) {
                advance();
                left = new Expr.Binary(op.isKeyword("ISNULL") ? "IS" : "IS NOT", left,
                        new Expr.Literal(SqliteValue.NULL, op.offset()), op.offset());
            } else if (op.isKeyword("IN")) {
                advance();
                left = in(left, false, op);
            } else if (op.isKeyword("BETWEEN")) {
                advance();
                left = between(left, false, op);
            } else if (op.isKeyword("NOT") && (peek(1).isKeyword("IN") || peek(1).isKeyword("BETWEEN"))) {
                advance();
                Token keyword = advance();
                left = keyword.isKeyword("IN") ? in(left, true, op) : between(left, true, op);
            } else if (op.isKeyword("LIKE") || op.isKeyword("GLOB") || op.isKeyword("REGEXP") || op.isKeyword("MATCH")
                    || (op.isKeyword("NOT") && (peek(1).isKeyword("LIKE") || peek(1).isKeyword("GLOB")))) {
                throw unsupported("Pattern matching (LIKE, GLOB, REGEXP) is not supported in sync queries", op);
            } else {
                depth = levels;
                return left;
            }
        }
    }

    private boolean isComparison(Token op) {
        return op.isOperator("=") || op.isOperator("==") || op.isOperator("!=") || op.isOperator("<>") || op.isKeyword("IS")
                || op.isKeyword("ISNULL") || op.isKeyword("NOTNULL") || op.isKeyword("IN") || op.isKeyword("BETWEEN")
                || (op.isKeyword("NOT") && (peek(1).isKeyword("IN") || peek(1).isKeyword("BETWEEN")));
    }

    private Expr in(Expr value, boolean negated, Token op) {
        if (peek().isOperator("(")) {
            Token open = advance();
            if (peek().isKeyword("SELECT")) {
                Select select = select();
                expectOperator(")");
                return new Expr.InSelect(value, select, negated, op.offset());
            }
            List<Expr> items = new ArrayList<>();
            if (!peek().isOperator(")")) {
                do {
                    items.add(expression());
                } while (acceptOperator(","));
            }
            expectOperator(")");
            if (items.isEmpty()) {
                throw syntax("IN () needs at least one value", open);
            }
            return new Expr.InList(value, items, negated, op.offset());
        }
        return new Expr.InExpr(value, relational(), negated, op.offset());
    }

    private Expr between(Expr value, boolean negated, Token op) {
        Expr low = relational();
        expectKeyword("AND");
        Expr high = relational();
        return new Expr.Between(value, low, high, negated, op.offset());
    }

    private Expr relational() {
        int levels = depth;
        Expr left = bitwise();
        while (true) {
            Token op = peek();
            if (op.isOperator("<") || op.isOperator("<=") || op.isOperator(">") || op.isOperator(">=") || op.isOperator("&&")) {
                advance();
                deeper(op);
                left = new Expr.Binary(op.text(), left, bitwise(), op.offset());
            } else {
                depth = levels;
                return left;
            }
        }
    }

    private Expr bitwise() {
        int levels = depth;
        Expr left = additive();
        while (true) {
            Token op = peek();
            if (op.isOperator("&") || op.isOperator("|") || op.isOperator("<<") || op.isOperator(">>")) {
                advance();
                deeper(op);
                left = new Expr.Binary(op.text(), left, additive(), op.offset());
            } else {
                depth = levels;
                return left;
            }
        }
    }

    private Expr additive() {
        int levels = depth;
        Expr left = multiplicative();
        while (true) {
            Token op = peek();
            if (op.isOperator("+") || op.isOperator("-")) {
                advance();
                deeper(op);
                left = new Expr.Binary(op.text(), left, multiplicative(), op.offset());
            } else {
                depth = levels;
                return left;
            }
        }
    }

    private Expr multiplicative() {
        int levels = depth;
        Expr left = concat();
        while (true) {
            Token op = peek();
            if (op.isOperator("*") || op.isOperator("/") || op.isOperator("%")) {
                advance();
                deeper(op);
                left = new Expr.Binary(op.text(), left, concat(), op.offset());
            } else {
                depth = levels;
                return left;
            }
        }
    }

    private Expr concat() {
        int levels = depth;
        Expr left = unary();
        while (true) {
            Token op = peek();
            if (op.isOperator("||") || op.isOperator("->") || op.isOperator("->>")) {
                advance();
                deeper(op);
                left = new Expr.Binary(op.text(), left, unary(), op.offset());
            } else {
                depth = levels;
                return left;
            }
        }
    }

    private Expr unary() {
        Token op = peek();
        if (op.isOperator("-") || op.isOperator("+") || op.isOperator("~")) {
            advance();
            deeper(op);
            Expr operand = unary();
            depth--;
            if (op.isOperator("-") && operand instanceof Expr.Literal literal) {
                // Fold negative numbers so -9223372036854775808 stays an integer.
                if (literal.value() instanceof SqliteValue.Integer i) {
                    return new Expr.Literal(SqliteValue.of(-i.value()), op.offset());
                }
                if (literal.value() instanceof SqliteValue.Real r) {
                    return new Expr.Literal(SqliteValue.of(-r.value()), op.offset());
                }
            }
            return new Expr.Unary(op.text(), operand, op.offset());
        }
        return postfix();
    }

    private Expr postfix() {
        int levels = depth;
        Expr expr = primary();
        while (peek().isOperator("::")) {
            Token op = advance();
            deeper(op);
            expr = new Expr.Cast(expr, castType(), op.offset());
        }
        depth = levels;
        return expr;
    }

    private String castType() {
        Token type = advance();
        String name = type.text().toLowerCase(Locale.ROOT);
        if (type.kind() != Token.Kind.IDENTIFIER || !CAST_TYPES.contains(name)) {
            throw unsupported("Cannot cast to '" + type.text() + "': the types are text, numeric, integer, real and blob", type);
        }
        return name;
    }

    private Expr primary() {
        Token token = advance();
        switch (token.kind()) {
            case STRING:
                return new Expr.Literal(SqliteValue.of(token.text()), token.offset());
            case INTEGER:
                return integerLiteral(token);
            case REAL:
                return new Expr.Literal(SqliteValue.of(Double.parseDouble(token.text())), token.offset());
            case OPERATOR:
                if (token.isOperator("(")) {
                    if (peek().isKeyword("SELECT")) {
                        throw unsupported("Scalar subqueries are not supported: use col IN (SELECT ...)", peek());
                    }
                    Expr inner = expression();
                    expectOperator(")");
                    return inner;
                }
                throw syntax("Unexpected '" + token.text() + "'", token);
            case END:
                throw syntax("The query ends where an expression was expected", token);
            default:
                break;
        }
        String word = token.text().toLowerCase(Locale.ROOT);
        if (token.kind() == Token.Kind.IDENTIFIER) {
            switch (word) {
                case "null":
                    return new Expr.Literal(SqliteValue.NULL, token.offset());
                case "true":
                    return new Expr.Literal(SqliteValue.of(1L), token.offset());
                case "false":
                    return new Expr.Literal(SqliteValue.of(0L), token.offset());
                case "cast":
                    return cast(token);
                case "case":
                    return caseExpression(token);
                case "x":
                    if (peek().kind() == Token.Kind.STRING && peek().offset() == token.offset() + 1) {
                        return blobLiteral(advance());
                    }
                    break;
                case "array":
                    if (peek().isOperator("[")) {
                        advance();
                        List<Expr> items = new ArrayList<>();
                        if (!peek().isOperator("]")) {
                            do {
                                items.add(expression());
                            } while (acceptOperator(","));
                        }
                        expectOperator("]");
                        return new Expr.Call("array", items, token.offset());
                    }
                    break;
                default:
                    break;
            }
            if (isReserved(token)) {
                throw syntax("Unexpected keyword " + token.text().toUpperCase(Locale.ROOT), token);
            }
        }
        // name, name(args), ns.name(args), qualifier.column
        if (peek().isOperator("(")) {
            advance();
            return new Expr.Call("row".equals(word) ? "array" : word, arguments(), token.offset());
        }
        if (peek().isOperator(".")) {
            advance();
            Token second = advance();
            if (!isName(second)) {
                throw syntax("Expected a name after '" + token.text() + ".'", second);
            }
            if (peek().isOperator("(")) {
                advance();
                return new Expr.Call(word + "." + second.text().toLowerCase(Locale.ROOT), arguments(), token.offset());
            }
            if (peek().isOperator(".")) {
                throw unsupported("Three-part names are not supported: write table.column", peek());
            }
            return new Expr.Column(Optional.of(token.text()), second.text(), token.offset());
        }
        return new Expr.Column(Optional.empty(), token.text(), token.offset());
    }

    private Expr integerLiteral(Token token) {
        String text = token.text();
        boolean hex = text.startsWith("0x") || text.startsWith("0X");
        try {
            long value = hex ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
            return new Expr.Literal(SqliteValue.of(value), token.offset());
        } catch (NumberFormatException e) {
            if (hex) {
                throw syntax("Hexadecimal literal too big: at most 16 hex digits", token);
            }
            // Like SQLite: an integer literal too large for 64 bits is a real.
            return new Expr.Literal(SqliteValue.of(Double.parseDouble(text)), token.offset());
        }
    }

    private Expr blobLiteral(Token string) {
        try {
            return new Expr.Literal(SqliteValue.ofBlob(HexFormat.of().parseHex(string.text())), string.offset() - 1);
        } catch (IllegalArgumentException e) {
            throw syntax("Malformed blob literal X'" + string.text() + "'", string);
        }
    }

    private Expr cast(Token start) {
        expectOperator("(");
        Expr operand = expression();
        expectKeyword("AS");
        String type = castType();
        expectOperator(")");
        return new Expr.Cast(operand, type, start.offset());
    }

    private Expr caseExpression(Token start) {
        Optional<Expr> operand = Optional.empty();
        if (!peek().isKeyword("WHEN")) {
            operand = Optional.of(expression());
        }
        List<Expr.When> whens = new ArrayList<>();
        while (acceptKeyword("WHEN")) {
            Expr condition = expression();
            expectKeyword("THEN");
            whens.add(new Expr.When(condition, expression()));
        }
        if (whens.isEmpty()) {
            throw syntax("CASE needs at least one WHEN", peek());
        }
        Optional<Expr> otherwise = Optional.empty();
        if (acceptKeyword("ELSE")) {
            otherwise = Optional.of(expression());
        }
        expectKeyword("END");
        return new Expr.Case(operand, whens, otherwise, start.offset());
    }

    private List<Expr> arguments() {
        List<Expr> args = new ArrayList<>();
        if (peek().isOperator("*")) {
            throw unsupported("Aggregate functions are not supported: sync queries work one row at a time", peek());
        }
        if (peek().isKeyword("DISTINCT")) {
            throw unsupported("Aggregate functions are not supported: sync queries work one row at a time", peek());
        }
        if (!peek().isOperator(")")) {
            do {
                args.add(expression());
            } while (acceptOperator(","));
        }
        expectOperator(")");
        return args;
    }

    // ---- token helpers

    private Token peek() {
        return tokens.get(index);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(index + ahead, tokens.size() - 1));
    }

    private Token advance() {
        Token token = tokens.get(index);
        if (token.kind() != Token.Kind.END) {
            index++;
        }
        return token;
    }

    private boolean acceptKeyword(String keyword) {
        if (peek().isKeyword(keyword)) {
            advance();
            return true;
        }
        return false;
    }

    private boolean acceptOperator(String operator) {
        if (peek().isOperator(operator)) {
            advance();
            return true;
        }
        return false;
    }

    private Token expectKeyword(String keyword) {
        Token token = advance();
        if (!token.isKeyword(keyword)) {
            throw syntax("Expected " + keyword + " but found " + describe(token), token);
        }
        return token;
    }

    private void expectOperator(String operator) {
        Token token = advance();
        if (!token.isOperator(operator)) {
            throw syntax("Expected '" + operator + "' but found " + describe(token), token);
        }
    }

    private void expectEnd() {
        Token token = peek();
        if (token.kind() != Token.Kind.END) {
            if (token.isOperator(";")) {
                throw syntax("One statement only: remove the ';'", token);
            }
            throw syntax("Unexpected " + describe(token) + " after the end of the query", token);
        }
    }

    private static boolean isName(Token token) {
        return token.kind() == Token.Kind.QUOTED_IDENTIFIER || (token.kind() == Token.Kind.IDENTIFIER && !isReserved(token));
    }

    private static boolean isReserved(Token token) {
        return token.kind() == Token.Kind.IDENTIFIER && RESERVED.contains(token.text().toLowerCase(Locale.ROOT));
    }

    private static String describe(Token token) {
        return token.kind() == Token.Kind.END ? "the end of the query" : "'" + token.text() + "'";
    }

    private static SqlSyntaxException syntax(String message, Token at) {
        return new SqlSyntaxException("SQL_SYNTAX", message, at.offset());
    }

    private static SqlSyntaxException unsupported(String message, Token at) {
        return new SqlSyntaxException("SQL_UNSUPPORTED", message, at.offset());
    }
}
