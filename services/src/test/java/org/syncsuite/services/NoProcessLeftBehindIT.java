package org.syncsuite.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class NoProcessLeftBehindIT {

    @Test
    void closeStopsTheServerProcess() {
        EmbeddedS3 s3 = EmbeddedS3.builder().build();
        s3.start();
        long pid = s3.pid().orElseThrow();
        assertThat(ProcessGuard.get().guardedPids()).contains(pid);

        s3.close();

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
        assertThat(ProcessGuard.get().guardedPids()).doesNotContain(pid);
        assertThat(Ports.isListening(s3.port())).isFalse();
    }

    @Test
    void serversDieWithAJvmKilledWithoutShutdownHooks() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                GuardedServicesMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        long[] pids;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.startsWith("PIDS "));
            assertThat(line).as("the child JVM reports its servers").isNotNull();
            pids = Arrays.stream(line.substring(5).split(" ")).mapToLong(Long::parseLong).toArray();
        } catch (RuntimeException | java.io.IOException e) {
            jvm.destroyForcibly();
            throw e;
        }
        List<ProcessHandle> servers = List.of(ProcessHandle.of(pids[0]).orElseThrow(), ProcessHandle.of(pids[1]).orElseThrow());
        assertThat(servers).allMatch(ProcessHandle::isAlive);

        jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
        jvm.waitFor();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(servers).noneMatch(ProcessHandle::isAlive);
            assertThat(ProcessHandle.of(pids[2]).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
        });
    }
}
