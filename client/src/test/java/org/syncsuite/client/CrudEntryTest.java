package org.syncsuite.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class CrudEntryTest {

    @Test
    void serialisesAsTheSdksDoForABackend() {
        CrudEntry patch = new CrudEntry(41, CrudEntry.Op.PATCH, "todos", "t1", 7, Optional.of(Map.of("completed", 1)));
        assertThat(patch.toJson()).containsExactly(Map.entry("op_id", 41L), Map.entry("op", "PATCH"), Map.entry("type", "todos"),
                Map.entry("id", "t1"), Map.entry("tx_id", 7L), Map.entry("data", Map.of("completed", 1)));
        CrudEntry delete = new CrudEntry(42, CrudEntry.Op.DELETE, "todos", "t1", 8, Optional.empty());
        assertThat(delete.toJson()).doesNotContainKey("data").containsEntry("op", "DELETE");
    }
}
