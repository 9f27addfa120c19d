package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class ChangeProducerSettingsTest {

    @Test
    void producerIsTransactionalAndIdempotent() {
        Map<String, Object> p = ChangeProducerSettings.forChangesTopic("k:9092", "replicator-main", Map.of());
        assertThat(p).containsEntry(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "replicator-main")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092")
                .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    }

    @Test
    void userOverridesPassThroughButCannotWeakenExactlyOnce() {
        Map<String, Object> p = ChangeProducerSettings.forChangesTopic("k:9092", "r1", Map.of(
                "security.protocol", "SASL_SSL",
                ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.LINGER_MS_CONFIG, 50));
        assertThat(p).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 50)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    }

    @Test
    void transactionalIdIsRequired() {
        assertThatThrownBy(() -> ChangeProducerSettings.forChangesTopic("k:9092", " ", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fences");
    }
}
