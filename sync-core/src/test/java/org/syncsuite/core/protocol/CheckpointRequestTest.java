package org.syncsuite.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.syncsuite.core.SyncException;

class CheckpointRequestTest {

    private static CheckpointRequest parse(String json) {
        return CheckpointRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void idsComeAsStringsOrNumbers() {
        assertThat(parse("{\"client_id\":\"c1\",\"checkpoint_request_id\":\"9223372036854775807\"}"))
                .isEqualTo(new CheckpointRequest(Optional.of("c1"), Long.MAX_VALUE));
        assertThat(parse("{\"checkpoint_request_id\":5}")).isEqualTo(new CheckpointRequest(Optional.empty(), 5));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"checkpoint_request_id\":0}", "{\"checkpoint_request_id\":\"-3\"}",
        "{\"checkpoint_request_id\":\"9223372036854775808\"}", "{\"checkpoint_request_id\":1.5}",
        "{\"client_id\":7,\"checkpoint_request_id\":1}", "[1]", "not json"})
    void invalidBodiesAreTypedErrors(String body) {
        assertThatThrownBy(() -> parse(body)).isInstanceOfSatisfying(SyncException.class,
                e -> assertThat(e.errorCode().code()).isEqualTo("PSYNC_S2001"));
    }

    @Test
    void responsesAndKeys() {
        assertThat(CheckpointRequest.responseJson(12)).isEqualTo("{\"data\":{\"checkpoint_request_id\":\"12\"}}");
        assertThat(CheckpointRequest.writeCheckpointJson(7)).isEqualTo("{\"data\":{\"write_checkpoint\":\"7\"}}");
        assertThat(CheckpointRequest.checkpointUserId("u1", Optional.of("c9"))).isEqualTo("u1/c9");
        assertThat(CheckpointRequest.checkpointUserId("u1", Optional.empty())).isEqualTo("u1");
    }
}
