package org.syncsuite.replicator;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * Checks, before replication starts, that the source can be replicated: binary log on, row-based
 * with full row images, GTIDs (MySQL) or strict GTIDs (MariaDB, advised), the replication user's
 * privileges, and a primary rather than a replica. Every violation is reported at once, each
 * with what to run to fix it.
 */
public final class SourcePreflight {

    /** What kind of server the source is. */
    public enum Flavor { MYSQL, MARIADB }

    /** A setting that must change: its name, what it is, what it must be, and how to change it. */
    public record Violation(String setting, String found, String required, String fix) {
        @Override
        public String toString() {
            return setting + " is " + found + ", must be " + required + ". Fix: " + fix;
        }
    }

    /** The outcome: the server's flavor and version, violations (fatal) and advice (not fatal). */
    public record Report(Flavor flavor, String version, List<Violation> violations, List<String> advice) {
        public Report {
            violations = List.copyOf(violations);
            advice = List.copyOf(advice);
        }

        public boolean passed() {
            return violations.isEmpty();
        }

        /** Throws {@link ErrorCode#SOURCE_MISCONFIGURED} listing every violation, when there is any. */
        public Report requirePassed(String connectionName) {
            if (!passed()) {
                StringBuilder message = new StringBuilder("The source ").append(connectionName).append(" (")
                        .append(version).append(") cannot be replicated until ").append(violations.size())
                        .append(violations.size() == 1 ? " setting changes:" : " settings change:");
                for (Violation violation : violations) {
                    message.append("\n  - ").append(violation);
                }
                throw new SyncException(ErrorCode.SOURCE_MISCONFIGURED, message.toString());
            }
            return this;
        }
    }

    private SourcePreflight() {
    }

    /** Runs every check on {@code connection}, logged in as the replication user; {@code database} is replicated. */
    public static Report check(Connection connection, String database) throws SQLException {
        String version = single(connection, "SELECT VERSION()").orElse("unknown");
        Flavor flavor = version.toLowerCase(Locale.ROOT).contains("mariadb") ? Flavor.MARIADB : Flavor.MYSQL;
        List<Violation> violations = new ArrayList<>();
        List<String> advice = new ArrayList<>();
        String restartHint = " in the server's configuration (my.cnf, [mysqld] section) and restart it";

        if (!"1".equals(variable(connection, "log_bin")) && !"ON".equalsIgnoreCase(variable(connection, "log_bin"))) {
            violations.add(new Violation("log_bin", describe(variable(connection, "log_bin")), "ON",
                    "set log_bin = binlog" + restartHint));
        }
        String serverId = variable(connection, "server_id");
        if (serverId == null || serverId.equals("0")) {
            violations.add(new Violation("server_id", describe(serverId), "a number above 0",
                    "set server_id = 1 (unique among your servers)" + restartHint));
        }
        String format = variable(connection, "binlog_format");
        if (!"ROW".equalsIgnoreCase(format)) {
            violations.add(new Violation("binlog_format", describe(format), "ROW",
                    "run SET GLOBAL binlog_format = 'ROW'; and set binlog_format = ROW" + restartHint.replace(" and restart it", "")
                            + " so it survives a restart"));
        }
        String image = variable(connection, "binlog_row_image");
        if (!"FULL".equalsIgnoreCase(image)) {
            violations.add(new Violation("binlog_row_image", describe(image), "FULL",
                    "run SET GLOBAL binlog_row_image = 'FULL'; and set binlog_row_image = FULL" + restartHint.replace(" and restart it", "")));
        }
        if (flavor == Flavor.MYSQL) {
            String gtidMode = variable(connection, "gtid_mode");
            if (!"ON".equalsIgnoreCase(gtidMode)) {
                violations.add(new Violation("gtid_mode", describe(gtidMode), "ON",
                        "run, one at a time: SET GLOBAL enforce_gtid_consistency = ON; SET GLOBAL gtid_mode = OFF_PERMISSIVE; "
                                + "SET GLOBAL gtid_mode = ON_PERMISSIVE; SET GLOBAL gtid_mode = ON; and set gtid_mode = ON and "
                                + "enforce_gtid_consistency = ON in my.cnf"));
            }
            String consistency = variable(connection, "enforce_gtid_consistency");
            if (!"ON".equalsIgnoreCase(consistency)) {
                violations.add(new Violation("enforce_gtid_consistency", describe(consistency), "ON",
                        "run SET GLOBAL enforce_gtid_consistency = ON; and set it in my.cnf"));
            }
        } else if (!"1".equals(variable(connection, "gtid_strict_mode")) && !"ON".equalsIgnoreCase(variable(connection, "gtid_strict_mode"))) {
            advice.add("gtid_strict_mode is OFF: SET GLOBAL gtid_strict_mode = ON (and in my.cnf) keeps GTID sequences "
                    + "gap-free, which makes resuming safer");
        }
        checkPrivileges(connection, database, flavor, violations);
        checkPrimary(connection, flavor, violations, advice);
        return new Report(flavor, version, violations, advice);
    }

    private static void checkPrivileges(Connection connection, String database, Flavor flavor, List<Violation> violations)
            throws SQLException {
        List<String> grants = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SHOW GRANTS")) {
            while (rs.next()) {
                grants.add(rs.getString(1).toUpperCase(Locale.ROOT).replace("`", ""));
            }
        }
        String user = single(connection, "SELECT CURRENT_USER()").orElse("the replication user");
        String quotedUser = quoteUser(user);
        boolean global = grants.stream().anyMatch(g -> g.contains(" ON *.* ") && g.contains("ALL PRIVILEGES"));
        if (!global && !hasGlobal(grants, "REPLICATION SLAVE") && !hasGlobal(grants, "REPLICATION REPLICA")) {
            violations.add(new Violation("privilege REPLICATION SLAVE", "missing for " + user, "granted on *.*",
                    "run GRANT REPLICATION SLAVE ON *.* TO " + quotedUser + ";"));
        }
        boolean client = hasGlobal(grants, "REPLICATION CLIENT") || hasGlobal(grants, "BINLOG MONITOR");
        if (!global && !client) {
            violations.add(new Violation("privilege REPLICATION CLIENT", "missing for " + user, "granted on *.*",
                    "run GRANT " + (flavor == Flavor.MARIADB ? "BINLOG MONITOR" : "REPLICATION CLIENT") + " ON *.* TO "
                            + quotedUser + ";"));
        }
        String db = database.toUpperCase(Locale.ROOT);
        boolean select = global || grants.stream().anyMatch(g -> g.contains("SELECT") && (g.contains(" ON *.* ")
                || g.contains(" ON " + db + ".* ")) || (g.contains("ALL PRIVILEGES") && g.contains(" ON " + db + ".* ")));
        if (!select) {
            violations.add(new Violation("privilege SELECT", "missing on " + database + " for " + user,
                    "granted on " + database + ".*", "run GRANT SELECT ON `" + database + "`.* TO " + quotedUser + ";"));
        }
    }

    private static boolean hasGlobal(List<String> grants, String privilege) {
        return grants.stream().anyMatch(g -> g.contains(" ON *.* ") && g.contains(privilege));
    }

    private static String quoteUser(String currentUser) {
        int at = currentUser.lastIndexOf('@');
        if (at < 0) {
            return "'" + currentUser + "'";
        }
        return "'" + currentUser.substring(0, at) + "'@'" + currentUser.substring(at + 1) + "'";
    }

    private static void checkPrimary(Connection connection, Flavor flavor, List<Violation> violations, List<String> advice) {
        List<String> queries = flavor == Flavor.MARIADB ? List.of("SHOW ALL SLAVES STATUS", "SHOW SLAVE STATUS")
                : List.of("SHOW REPLICA STATUS", "SHOW SLAVE STATUS");
        for (String query : queries) {
            try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(query)) {
                if (rs.next()) {
                    violations.add(new Violation("server role", "a replica (" + query + " lists a source)", "the primary",
                            "point the connection's hostname at the primary server"));
                }
                return;
            } catch (SQLException e) {
                if (e.getErrorCode() == 1227 || e.getErrorCode() == 1142 || e.getErrorCode() == 1045) {
                    advice.add("could not check that the source is a primary (" + query + " needs "
                            + (flavor == Flavor.MARIADB ? "SLAVE MONITOR" : "REPLICATION CLIENT")
                            + "); make sure the connection points at the primary");
                    return;
                }
                // syntax not known to this version: try the next form
            }
        }
    }

    private static String variable(Connection connection, String name) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW GLOBAL VARIABLES LIKE '" + name + "'")) {
            return rs.next() ? rs.getString(2) : null;
        }
    }

    private static Optional<String> single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
        }
    }

    private static String describe(String value) {
        return value == null ? "not set" : value;
    }
}
