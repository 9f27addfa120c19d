package org.syncsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ChildJvmTest {

    /** Stands in for a benchmark's child process. */
    public static final class FakeChild {
        public static void main(String[] args) {
            Map<String, String> options = ChildJvm.parseArguments(args);
            System.err.println("some library chatter on stderr");
            switch (options.get("mode")) {
                case "ok" -> {
                    System.out.println("chatter on stdout");
                    System.out.println("BENCH-STRETCH name=inserts rows=" + options.get("rows") + " seconds=2.5 peakHeapBytes=1048576");
                    System.out.println("BENCH-PROCESS peakHeapBytes=2097152 peakRssBytes=4194304 gcSeconds=0.125 debezium=x");
                }
                case "fail" -> {
                    System.out.println("BENCH-ERROR the source went away");
                    System.exit(1);
                }
                default -> System.exit(0);
            }
        }
    }

    private static ChildJvm.Report run(String mode) throws Exception {
        return ChildJvm.run("fake", System.getProperty("java.class.path"), FakeChild.class.getName(),
                Map.of("mode", mode, "rows", "1000"), Duration.ofMinutes(1));
    }

    @Test
    void readsWhatTheChildReports() throws Exception {
        ChildJvm.Report report = run("ok");
        assertThat(report.rows("inserts")).isEqualTo(1000);
        assertThat(report.seconds("inserts")).isEqualTo(2.5);
        assertThat(report.peakHeapBytes("inserts")).isEqualTo(1 << 20);
        assertThat(report.processLong("peakRssBytes")).isEqualTo(4 << 20);
        assertThat(report.process()).containsEntry("debezium", "x");
    }

    @Test
    void aFailingChildSaysWhyWithTheEndOfItsLog() {
        assertThatThrownBy(() -> run("fail")).isInstanceOf(ChildJvm.ChildFailedException.class)
                .hasMessageContaining("fake child JVM failed: the source went away")
                .hasMessageContaining("some library chatter on stderr");
        assertThatThrownBy(() -> run("silent")).isInstanceOf(ChildJvm.ChildFailedException.class)
                .hasMessageContaining("reported no result");
    }
}
