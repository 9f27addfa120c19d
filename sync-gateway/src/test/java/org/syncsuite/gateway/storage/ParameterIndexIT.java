package org.syncsuite.gateway.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class ParameterIndexIT {

    private final EmbeddedMariaDb db;
    private final ParameterIndex index = new ParameterIndex();

    ParameterIndexIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    @Test
    void aLookupAsOfACheckpointSeesEachRowsLatestContributionThen() throws Exception {
        String database = StorageFixture.newStorage(db, "params");
        byte[] memberOfU1 = bytes("[\"lists_of\",\"u1\"]");
        byte[] memberOfU2 = bytes("[\"lists_of\",\"u2\"]");
        try (Connection connection = db.rootConnection(database)) {
            index.write(connection, 1, List.of(
                    new ParameterIndex.Entry(10, memberOfU1, "members", bytes("m1"), "[{\"list_id\":\"L1\"}]"),
                    new ParameterIndex.Entry(11, memberOfU1, "members", bytes("m2"), "[{\"list_id\":\"L2\"}]"),
                    new ParameterIndex.Entry(12, memberOfU2, "members", bytes("m3"), "[{\"list_id\":\"L1\"}]")));
            // m1 leaves u1's lists at 20; m2 moves from L2 to L3 at 21.
            index.write(connection, 1, List.of(
                    new ParameterIndex.Entry(20, memberOfU1, "members", bytes("m1"), "[]"),
                    new ParameterIndex.Entry(21, memberOfU1, "members", bytes("m2"), "[{\"list_id\":\"L3\"}]")));

            assertThat(index.results(connection, 1, List.of(memberOfU1), 12).get(ByteBuffer.wrap(memberOfU1)))
                    .containsExactly("[{\"list_id\":\"L1\"}]", "[{\"list_id\":\"L2\"}]");
            Map<ByteBuffer, List<String>> now = index.results(connection, 1, List.of(memberOfU1, memberOfU2), 21);
            assertThat(now.get(ByteBuffer.wrap(memberOfU1))).containsExactly("[{\"list_id\":\"L3\"}]");
            assertThat(now.get(ByteBuffer.wrap(memberOfU2))).containsExactly("[{\"list_id\":\"L1\"}]");
            assertThat(index.results(connection, 1, List.of(memberOfU1), 9).get(ByteBuffer.wrap(memberOfU1))).isEmpty();
            assertThat(index.results(connection, 2, List.of(memberOfU1), 21).get(ByteBuffer.wrap(memberOfU1)))
                    .as("another version").isEmpty();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
