package org.syncsuite.gateway.writer;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.services.EmbeddedKafka;

/** The writer tests' tools, for the service tests of other packages. */
public final class GatewayTestSupport {

    private GatewayTestSupport() {
    }

    public static String syncConfig() {
        return WriterFixture.SYNC_CONFIG;
    }

    public static Changes changes(EmbeddedKafka kafka, String topic, long seed) {
        return new Changes(new TopicWriter(kafka, topic), new Workload(seed));
    }

    /** A changes topic fed with a seeded workload, and what version 1 of the storage must hold after it. */
    public static final class Changes implements AutoCloseable {
        private final TopicWriter topic;
        private final Workload workload;
        private long rowChanges;
        private long puts;

        Changes(TopicWriter topic, Workload workload) {
            this.topic = topic;
            this.workload = workload;
        }

        public synchronized void transaction(int maxRows) {
            List<ChangeRecord> records = workload.next(maxRows);
            SyncPlan plan = WriterSupervisor.planOf(1, WriterFixture.SYNC_CONFIG);
            for (ChangeRecord record : records) {
                if (record instanceof ChangeRecord.RowChange row) {
                    rowChanges++;
                    if (row.after().isPresent()) {
                        puts += plan.evaluateRow(row.table(), row.after().get()).placements().size();
                    }
                }
            }
            topic.transaction(records);
        }

        public synchronized long rowChanges() {
            return rowChanges;
        }

        /** Whether version 1's last checkpoint covers the last transaction written. */
        public boolean checkpointed(StorageDatabase storage) {
            try {
                return WriterFixture.scalar(storage, "SELECT COUNT(*) FROM sync_config_versions WHERE id = 1 "
                        + "AND last_checkpoint_position LIKE ?", "%\"pos\":" + lastPosition() + ",%") == 1;
            } catch (SQLException e) {
                return false;
            }
        }

        private synchronized long lastPosition() {
            return topic.lastPosition();
        }

        /** Op ids without a gap, each change's PUTs written once, and every bucket as the rows say. */
        public synchronized void assertExactlyOnce(StorageDatabase storage) throws SQLException {
            List<WriterFixture.StoredOp> ops = WriterFixture.ops(storage, 1);
            List<Long> ids = new ArrayList<>(ops.stream().map(WriterFixture.StoredOp::opId).toList());
            try (Connection c = storage.open(); ResultSet rs = c.createStatement().executeQuery(
                    "SELECT id FROM parameter_index WHERE group_id = 1")) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            ids.sort(null);
            for (int i = 0; i < ids.size(); i++) {
                assertThat(ids.get(i)).as("op id at %d", i).isEqualTo(i + 1L);
            }
            assertThat(ops.stream().filter(op -> op.op() == 1).count()).as("PUTs").isEqualTo(puts);
            assertThat(Workload.reduce(ops)).isEqualTo(workload.expectedBuckets(WriterSupervisor.planOf(1, WriterFixture.SYNC_CONFIG)));
        }

        @Override
        public void close() {
            topic.close();
        }
    }
}
