package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class SourcePreflightIT {

    @Test
    void aWellConfiguredMariaDbPasses(EmbeddedMariaDb db) throws Exception {
        db.createDatabase("preflight_ok");
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl("preflight_ok"), db.replicationUser(),
                db.replicationPassword())) {
            SourcePreflight.Report report = SourcePreflight.check(connection, "preflight_ok");
            assertThat(report.flavor()).isEqualTo(SourcePreflight.Flavor.MARIADB);
            assertThat(report.version()).startsWith("11.4");
            assertThat(report.violations()).isEmpty();
            assertThat(report.requirePassed("default")).isSameAs(report);
        }
    }

    @Test
    void aMisconfiguredServerIsRefusedWithEveryFix() throws Exception {
        try (EmbeddedMariaDb statementBased = EmbeddedMariaDb.builder()
                .argument("--binlog-format=STATEMENT")
                .argument("--binlog-row-image=MINIMAL")
                .argument("--gtid-strict-mode=OFF")
                .build()) {
            statementBased.start();
            statementBased.createDatabase("app");
            statementBased.execute("CREATE USER 'weak'@'%' IDENTIFIED BY 'weak-password'",
                    "GRANT SELECT ON other.* TO 'weak'@'%'");
            try (Connection connection = DriverManager.getConnection(statementBased.jdbcUrl(""), "weak", "weak-password")) {
                SourcePreflight.Report report = SourcePreflight.check(connection, "app");
                assertThat(report.passed()).isFalse();
                assertThat(report.violations()).extracting(SourcePreflight.Violation::setting).containsExactly(
                        "binlog_format", "binlog_row_image", "privilege REPLICATION SLAVE",
                        "privilege REPLICATION CLIENT", "privilege SELECT");
                assertThat(report.advice()).anyMatch(a -> a.contains("gtid_strict_mode"));
                assertThatThrownBy(() -> report.requirePassed("default"))
                        .isInstanceOfSatisfying(SyncException.class,
                                e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.SOURCE_MISCONFIGURED))
                        .hasMessageContaining("cannot be replicated until 5 settings change")
                        .hasMessageContaining("binlog_format is STATEMENT, must be ROW. Fix: run SET GLOBAL binlog_format = 'ROW';")
                        .hasMessageContaining("binlog_row_image is MINIMAL, must be FULL")
                        .hasMessageContaining("GRANT REPLICATION SLAVE ON *.* TO 'weak'@'%';")
                        .hasMessageContaining("GRANT BINLOG MONITOR ON *.* TO 'weak'@'%';")
                        .hasMessageContaining("GRANT SELECT ON `app`.* TO 'weak'@'%';");
            }
        }
    }
}
