package org.syncsuite.core.sql;

import java.util.ArrayList;
import java.util.List;

/** Splits a query into tokens: identifiers, "quoted" and `quoted` names, 'strings', numbers, operators. */
final class Lexer {

    private static final String[] OPERATORS = {
        "->>", "->", "||", "&&", "<<", ">>", "<=", ">=", "!=", "<>", "==", "::",
        "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", "&", "|", "~", "[", "]", ";"};

    private final String sql;
    private int pos;

    private Lexer(String sql) {
        this.sql = sql;
    }

    static List<Token> tokenize(String sql) {
        return new Lexer(sql).run();
    }

    private List<Token> run() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            skipSpaceAndComments();
            if (pos >= sql.length()) {
                tokens.add(new Token(Token.Kind.END, "", pos));
                return tokens;
            }
            tokens.add(next());
        }
    }

    private void skipSpaceAndComments() {
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '-' && sql.startsWith("--", pos)) {
                while (pos < sql.length() && sql.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == '/' && sql.startsWith("/*", pos)) {
                int end = sql.indexOf("*/", pos + 2);
                if (end < 0) {
                    throw new SqlSyntaxException("SQL_SYNTAX", "Unterminated comment", pos);
                }
                pos = end + 2;
            } else {
                return;
            }
        }
    }

    private Token next() {
        int start = pos;
        char c = sql.charAt(pos);
        if (c == '\'') {
            return new Token(Token.Kind.STRING, quoted('\''), start);
        }
        if (c == '"' || c == '`') {
            return new Token(Token.Kind.QUOTED_IDENTIFIER, quoted(c), start);
        }
        if (Character.isDigit(c) || (c == '.' && pos + 1 < sql.length() && Character.isDigit(sql.charAt(pos + 1)))) {
            return number(start);
        }
        if (Character.isLetter(c) || c == '_') {
            while (pos < sql.length() && (Character.isLetterOrDigit(sql.charAt(pos)) || sql.charAt(pos) == '_' || sql.charAt(pos) == '$')) {
                pos++;
            }
            return new Token(Token.Kind.IDENTIFIER, sql.substring(start, pos), start);
        }
        if (c == '?' || c == ':' && pos + 1 < sql.length() && Character.isLetter(sql.charAt(pos + 1))) {
            throw new SqlSyntaxException("SQL_UNSUPPORTED", "Bound parameters are not supported; use a request function "
                    + "such as subscription.parameter('name')", start);
        }
        for (String operator : OPERATORS) {
            if (sql.startsWith(operator, pos)) {
                pos += operator.length();
                return new Token(Token.Kind.OPERATOR, operator, start);
            }
        }
        throw new SqlSyntaxException("SQL_SYNTAX", "Unexpected character '" + c + "'", start);
    }

    private String quoted(char quote) {
        int start = pos;
        StringBuilder out = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= sql.length()) {
                throw new SqlSyntaxException("SQL_SYNTAX", "Unterminated " + (quote == '\'' ? "string" : "quoted name"), start);
            }
            char c = sql.charAt(pos);
            if (c == quote) {
                if (pos + 1 < sql.length() && sql.charAt(pos + 1) == quote) {
                    out.append(quote);
                    pos += 2;
                    continue;
                }
                pos++;
                return out.toString();
            }
            out.append(c);
            pos++;
        }
    }

    private static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private Token number(int start) {
        if (sql.startsWith("0x", pos) || sql.startsWith("0X", pos)) {
            pos += 2;
            while (pos < sql.length() && isHexDigit(sql.charAt(pos))) {
                pos++;
            }
            if (pos == start + 2 || (pos < sql.length() && (Character.isLetterOrDigit(sql.charAt(pos)) || sql.charAt(pos) == '_'))) {
                throw new SqlSyntaxException("SQL_SYNTAX", "Malformed hexadecimal number", start);
            }
            return new Token(Token.Kind.INTEGER, sql.substring(start, pos), start);
        }
        boolean real = false;
        while (pos < sql.length() && Character.isDigit(sql.charAt(pos))) {
            pos++;
        }
        if (pos < sql.length() && sql.charAt(pos) == '.') {
            real = true;
            pos++;
            while (pos < sql.length() && Character.isDigit(sql.charAt(pos))) {
                pos++;
            }
        }
        if (pos < sql.length() && (sql.charAt(pos) == 'e' || sql.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < sql.length() && (sql.charAt(pos) == '+' || sql.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < sql.length() && Character.isDigit(sql.charAt(pos))) {
                real = true;
                while (pos < sql.length() && Character.isDigit(sql.charAt(pos))) {
                    pos++;
                }
            } else {
                pos = save;
            }
        }
        if (pos < sql.length() && (Character.isLetter(sql.charAt(pos)) || sql.charAt(pos) == '_')) {
            throw new SqlSyntaxException("SQL_SYNTAX", "Malformed number", start);
        }
        return new Token(real ? Token.Kind.REAL : Token.Kind.INTEGER, sql.substring(start, pos), start);
    }
}
