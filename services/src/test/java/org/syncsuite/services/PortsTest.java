package org.syncsuite.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void aTakenPreferredPortFallsBackToAFreeOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(Ports.LOOPBACK))) {
            int port = taken.getLocalPort();
            assertThat(Ports.isFree(port)).isFalse();
            assertThat(Ports.isListening(port)).isTrue();
            int chosen = Ports.preferredOrFree(port);
            assertThat(chosen).isNotEqualTo(port);
            assertThat(Ports.isFree(chosen)).isTrue();
        }
    }

    @Test
    void aFreePreferredPortIsKept() {
        int port = Ports.free();
        assertThat(Ports.preferredOrFree(port)).isEqualTo(port);
    }

    @Test
    void waitingForADeadServerFailsAtOnce() {
        int port = Ports.free();
        assertThatThrownBy(() -> Ports.awaitListening("server", port, Duration.ofMinutes(1), () -> false))
                .isInstanceOf(BackingServiceException.class).hasMessageContaining("exited before listening");
    }

    @Test
    void buildersRejectImpossibleSettings() {
        assertThatThrownBy(() -> EmbeddedKafka.builder().port(70_000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddedS3.builder().credentials("key", "short"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
