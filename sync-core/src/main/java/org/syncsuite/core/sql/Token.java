package org.syncsuite.core.sql;

/** A lexical token of a query, with its position. */
record Token(Kind kind, String text, int offset) {

    enum Kind { IDENTIFIER, QUOTED_IDENTIFIER, STRING, INTEGER, REAL, OPERATOR, PARAMETER, END }

    boolean is(Kind expected, String value) {
        return kind == expected && text.equalsIgnoreCase(value);
    }

    boolean isKeyword(String keyword) {
        return kind == Kind.IDENTIFIER && text.equalsIgnoreCase(keyword);
    }

    boolean isOperator(String operator) {
        return kind == Kind.OPERATOR && text.equals(operator);
    }
}
