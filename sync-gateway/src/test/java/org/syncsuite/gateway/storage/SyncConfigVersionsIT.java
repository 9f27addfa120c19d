package org.syncsuite.gateway.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class SyncConfigVersionsIT {

    private final EmbeddedMariaDb db;
    private final SyncConfigVersions versions = new SyncConfigVersions();
    private final BucketStore store = new BucketStore();
    private String database;

    SyncConfigVersionsIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    @BeforeEach
    void migrate() {
        database = StorageFixture.newStorage(db, "versions");
    }

    @Test
    void aNewVersionProcessesBesideTheActiveOneAndReplacesItInOneStep() throws Exception {
        try (Connection connection = db.rootConnection(database)) {
            int first = versions.deploy(connection, "streams: {}");
            assertThat(versions.active(connection)).isEmpty();
            versions.activate(connection, first);
            int second = versions.deploy(connection, "streams: {a: {query: 'SELECT * FROM t'}}");
            assertThat(versions.active(connection).orElseThrow().id()).isEqualTo(first);
            assertThat(versions.find(connection, second, false).orElseThrow().state()).isEqualTo(SyncConfigVersions.State.PROCESSING);

            versions.activate(connection, second);
            assertThat(versions.active(connection).orElseThrow().id()).isEqualTo(second);
            assertThat(versions.find(connection, first, false).orElseThrow().state()).isEqualTo(SyncConfigVersions.State.STOP);
            assertThatThrownBy(() -> versions.activate(connection, first)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("STOP");
        }
    }

    @Test
    void aCheckpointCommitsWithItsOperationsAndItsOffsetOrNotAtAll() throws Exception {
        try (Connection connection = db.rootConnection(database)) {
            int version = versions.deploy(connection, "streams: {}");
            connection.setAutoCommit(false);
            long op = store.allocateOpIds(connection, 1);
            store.append(connection, version, List.of(new BucketStore.BucketOp("all[]",
                    OplogEntry.put(op, "t", "1", "s1", Checksums.put("t", "1", "{}"), "{}"))));
            versions.lockSequence(connection);
            versions.recordProgress(connection, version, 17, op, "{\"file\":\"binlog.000001\"}", true);
            connection.rollback(); // a writer dying before its commit: none of it happened

            assertThat(versions.find(connection, version, false).orElseThrow().lastCheckpoint()).isEmpty();
            assertThat(store.totals(connection, version, List.of("all[]"))).isEmpty();

            long again = store.allocateOpIds(connection, 1);
            assertThat(again).as("the rolled back op id is taken again: no gap").isEqualTo(op);
            store.append(connection, version, List.of(new BucketStore.BucketOp("all[]",
                    OplogEntry.put(again, "t", "1", "s1", Checksums.put("t", "1", "{}"), "{}"))));
            versions.recordProgress(connection, version, 17, again, "{\"file\":\"binlog.000001\"}", true);
            connection.commit();

            SyncConfigVersions.Checkpoint last = versions.find(connection, version, false).orElseThrow().lastCheckpoint().orElseThrow();
            assertThat(last).isEqualTo(new SyncConfigVersions.Checkpoint(again, "{\"file\":\"binlog.000001\"}", 17));
            assertThat(store.totals(connection, version, List.of("all[]")).get("all[]").count()).isEqualTo(1);
            assertThat(versions.lockProgress(connection, version)).isEqualTo(new SyncConfigVersions.Progress(
                    SyncConfigVersions.State.PROCESSING, 17, again, again, true));

            // Progress inside a long source transaction: the offset and the ops move on, the checkpoint does not.
            versions.recordProgress(connection, version, 25, again + 5, "{\"file\":\"binlog.000001\"}", false);
            connection.commit();
            assertThat(versions.lockProgress(connection, version)).isEqualTo(new SyncConfigVersions.Progress(
                    SyncConfigVersions.State.PROCESSING, 25, again + 5, again, true));
            assertThat(versions.find(connection, version, false).orElseThrow().lastCheckpoint().orElseThrow().opId()).isEqualTo(again);
            connection.rollback();
        }
    }
}
