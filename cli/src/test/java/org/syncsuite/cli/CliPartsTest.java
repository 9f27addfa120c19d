package org.syncsuite.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

/** The CLI's pure parts: the deploy diff, the snapshot metrics parser, the progress bar without a terminal. */
class CliPartsTest {

    @Test
    void diffShowsChangedLinesWithContext() {
        String before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        String after = "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk\n";
        String diff = LineDiff.unified("old", before, "new", after);
        assertThat(diff).startsWith("--- old\n+++ new\n").contains("-e\n+E\n", "+k\n", " d\n", " h\n");
        assertThat(diff).doesNotContain(" a\n");
        assertThat(LineDiff.unified("old", before, "new", before)).isEmpty();
    }

    @Test
    void snapshotFiguresAreSummedOverTables() {
        String page = """
                # TYPE replicator_snapshot_rows gauge
                replicator_snapshot_rows{table="lists",mp_scope="application"} 40.0
                replicator_snapshot_rows{table="todos",mp_scope="application"} 60.0
                replicator_snapshot_rows_expected{table="lists",mp_scope="application"} 50.0
                replicator_snapshot_rows_expected{table="todos",mp_scope="application"} 150.0
                replicator_snapshot_complete{mp_scope="application"} 0.0
                """;
        assertThat(SnapshotWatch.parse(page)).isEqualTo(new SnapshotWatch.Figures(100, 200, false));
        assertThat(SnapshotWatch.parse(page.replace("complete{mp_scope=\"application\"} 0.0",
                "complete{mp_scope=\"application\"} 1.0")).complete()).isTrue();
    }

    @Test
    void theGenericServiceConfigTemplateIsValidOnceItsVariablesAreSet() {
        java.util.Map<String, String> environment = java.util.Map.of("PS_MYSQL_HOST", "db", "PS_MYSQL_DATABASE", "app",
                "PS_MYSQL_USER", "repl", "PS_MYSQL_PASSWORD", "secret", "PS_STORAGE_HOST", "storage", "PS_STORAGE_USER", "ps",
                "PS_STORAGE_PASSWORD", "secret", "PS_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092", "PS_DEV_JWT_KEY",
                "c2VjcmV0LWtleS1vZi10aGlydHktdHdvLWJ5dGVzLi4", "PS_ADMIN_TOKEN", "admin");
        var config = org.syncsuite.core.service.ServiceConfigReader.read(java.nio.file.Path.of("powersync/service.yaml"),
                InitCommand.GENERIC_SERVICE_YAML, environment::get);
        assertThat(config.connection().hostname()).isEqualTo("db");
        assertThat(config.api().tokens()).containsExactly("admin");
        assertThat(config.syncConfig()).isPresent();
        assertThat(org.syncsuite.core.config.SyncConfigCompiler.compile("sync-config.yaml", InitCommand.SYNC_CONFIG_YAML)
                .streamNames()).containsExactly("my_lists", "list_todos");
    }

    @Test
    void progressPrintsOneLinePerTenthWithoutATerminal() {
        StringWriter text = new StringWriter();
        Progress progress = new Progress(new PrintWriter(text), "Building");
        for (int i = 0; i <= 100; i++) {
            progress.update(i, 100, "");
        }
        progress.done("active");
        String[] lines = text.toString().split("\n");
        assertThat(lines).hasSize(12); // tenths 0..10, and the last line
        assertThat(lines[5]).contains("[###############...............]  50%");
        assertThat(lines[11]).startsWith("Building: active");
    }
}
