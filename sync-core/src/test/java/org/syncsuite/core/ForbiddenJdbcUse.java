package org.syncsuite.core;

/** A test fixture that breaks the architecture rule on purpose, to prove the rule bites. */
final class ForbiddenJdbcUse {

    private ForbiddenJdbcUse() {
    }

    static boolean isOpen(java.sql.Connection connection) throws java.sql.SQLException {
        return !connection.isClosed();
    }
}
