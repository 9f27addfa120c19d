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
                    SyncConfigVersions.State.PROCESSING, 17, again, again, true, SyncConfigVersions.OpIdRange.NONE));

            // Progress inside a long source transaction: the offset and the ops move on, the checkpoint does not.
            versions.recordProgress(connection, version, 25, again + 5, "{\"file\":\"binlog.000001\"}", false);
            connection.commit();
            assertThat(versions.lockProgress(connection, version)).isEqualTo(new SyncConfigVersions.Progress(
                    SyncConfigVersions.State.PROCESSING, 25, again + 5, again, true, SyncConfigVersions.OpIdRange.NONE));
            assertThat(versions.find(connection, version, false).orElseThrow().lastCheckpoint().orElseThrow().opId()).isEqualTo(again);
            connection.rollback();
        }
    }

    @Test
    void aWriterReservesOpIdsAheadAndOnlyWhileTheRecordIsStillItsOwn() throws Exception {
        try (Connection connection = db.rootConnection(database)) {
            int version = versions.deploy(connection, "streams: {}");
            connection.setAutoCommit(false);
            long head = store.allocateOpIds(connection, 1);
            connection.commit();
            SyncConfigVersions.OpIdRange none = SyncConfigVersions.OpIdRange.NONE;

            SyncConfigVersions.OpIdRange first = versions.reserveOpIds(connection, version, none, 10).orElseThrow();
            assertThat(first).isEqualTo(new SyncConfigVersions.OpIdRange(head + 1, head + 10));
            assertThat(versions.lockProgress(connection, version).reserved()).as("recorded with the version").isEqualTo(first);
            connection.rollback();

            SyncConfigVersions.OpIdRange extended = versions.reserveOpIds(connection, version, first, 10).orElseThrow();
            assertThat(extended).as("ids straight after extend the range").isEqualTo(new SyncConfigVersions.OpIdRange(head + 1, head + 20));

            long other = store.allocateOpIds(connection, 1); // another version's writer takes the next id
            connection.commit();
            SyncConfigVersions.OpIdRange apart = versions.reserveOpIds(connection, version, extended, 5).orElseThrow();
            assertThat(apart).as("a range after another's ids starts anew").isEqualTo(new SyncConfigVersions.OpIdRange(other + 1, other + 5));

            assertThat(versions.reserveOpIds(connection, version, extended, 5)).as("a writer holding an old record").isEmpty();
            assertThat(versions.lockProgress(connection, version).reserved()).isEqualTo(apart);
            assertThat(store.allocateOpIds(connection, 1)).as("a refused reservation takes no id").isEqualTo(apart.until() + 1);
            connection.rollback();
            assertThat(first.contains(head + 1) && first.contains(head + 10) && !first.contains(head + 11) && !none.contains(0))
                    .isTrue();
        }
    }
}
