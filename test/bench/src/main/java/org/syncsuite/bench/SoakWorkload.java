package org.syncsuite.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.IntUnaryOperator;

import org.syncsuite.services.EmbeddedMariaDb;

/**
 * The soak test's source database and its transactions: a {@code notes} table whose rows belong
 * to users, synced to each user by one stream, and transactions that each change one row of one
 * user at a steady rate: 90% update a row, 5% insert one and 5% delete one (so each user keeps
 * about as many rows as it started with). Each row carries the number of the last transaction
 * that wrote it ({@code soak_tx}), which the streams' readers find in its op.
 */
final class SoakWorkload {

    static final String DATABASE = "soak";
    static final String SYNC_CONFIG = """
            config:
              edition: 3
            streams:
              mine:
                auto_subscribe: true
                query: SELECT * FROM notes WHERE owner_id = auth.user_id()
            """;
    /** The column whose value in an op names the transaction that wrote it. */
    static final String TX_COLUMN = "soak_tx";

    private final int users;
    private final int rowsPerUser;
    /** Per user, the ids of its rows; a user's transaction holds its lock, so one user's transactions never overlap. */
    private final UserRows[] rows;

    private static final class UserRows {
        final List<String> ids = new ArrayList<>();
        int next;
    }

    SoakWorkload(int users, int rowsPerUser) {
        this.users = users;
        this.rowsPerUser = rowsPerUser;
        this.rows = new UserRows[users];
        for (int u = 0; u < users; u++) {
            rows[u] = new UserRows();
        }
    }

    static String user(int u) {
        return String.format(Locale.ROOT, "user-%05d", u);
    }

    int users() {
        return users;
    }

    /** Creates the table and gives each user its rows (before the replicator's snapshot). */
    void create(EmbeddedMariaDb db) throws SQLException {
        db.createDatabase(DATABASE);
        db.execute("CREATE TABLE " + DATABASE + ".notes (id VARCHAR(40) PRIMARY KEY, owner_id VARCHAR(40) NOT NULL, "
                + TX_COLUMN + " BIGINT NOT NULL, body VARCHAR(255) NOT NULL, KEY (owner_id))");
        try (Connection c = db.rootConnection(DATABASE);
             PreparedStatement insert = c.prepareStatement("INSERT INTO notes (id, owner_id, " + TX_COLUMN + ", body) "
                     + "VALUES (?, ?, -1, ?)")) {
            c.setAutoCommit(false);
            for (int u = 0; u < users; u++) {
                for (int r = 0; r < rowsPerUser; r++) {
                    String id = newId(u);
                    insert.setString(1, id);
                    insert.setString(2, user(u));
                    insert.setString(3, body(-1));
                    insert.addBatch();
                }
                if (u % 100 == 99 || u == users - 1) {
                    insert.executeBatch();
                    c.commit();
                }
            }
        }
    }

    private String newId(int u) {
        UserRows owned = rows[u];
        String id = user(u) + "-n" + owned.next++;
        owned.ids.addLast(id);
        return id;
    }

    private static String body(long tx) {
        return "A note about the day, written again and again by the soak test; this is version " + tx
                + " of it, and it is about as long as a short note in an app.";
    }

    /**
     * Commits transactions {@code first} to {@code first + count - 1} on {@code connections}
     * connections, transaction {@code i} due {@code i - first} / {@code perSecond} seconds after the
     * start (one that falls behind runs at once), touching a row of the user {@code users} picks,
     * whose op concerns {@code streamsOf} open streams. Returns when all are done; a failed
     * transaction is rolled back, noted in the ledger and the run goes on.
     */
    void commit(EmbeddedMariaDb db, SoakLedger ledger, int first, int count, double perSecond, int connections,
                IntSupplier users, IntUnaryOperator streamsOf) throws Exception {
        AtomicInteger next = new AtomicInteger(first);
        AtomicReference<Exception> broken = new AtomicReference<>();
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < connections; t++) {
            threads.add(Thread.ofPlatform().name("soak-committer-" + t).start(() -> {
                try (Connection c = db.rootConnection(DATABASE);
                     PreparedStatement update = c.prepareStatement("UPDATE notes SET " + TX_COLUMN + " = ?, body = ? WHERE id = ?");
                     PreparedStatement insert = c.prepareStatement("INSERT INTO notes (id, owner_id, " + TX_COLUMN + ", body) "
                             + "VALUES (?, ?, ?, ?)");
                     PreparedStatement delete = c.prepareStatement("DELETE FROM notes WHERE id = ?")) {
                    c.setAutoCommit(false);
                    for (int tx = next.getAndIncrement(); tx < first + count; tx = next.getAndIncrement()) {
                        long wait = start + (long) ((tx - first) * 1e9 / perSecond) - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        int u = users.getAsInt();
                        synchronized (rows[u]) {
                            transaction(c, update, insert, delete, ledger, tx, u, streamsOf.applyAsInt(u));
                        }
                    }
                } catch (Exception e) {
                    broken.compareAndSet(null, e);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (broken.get() != null) {
            throw new IllegalStateException("A committer stopped: " + ChildJvm.oneLine(broken.get()), broken.get());
        }
    }

    private void transaction(Connection c, PreparedStatement update, PreparedStatement insert, PreparedStatement delete,
                             SoakLedger ledger, int tx, int u, int streams) throws SQLException {
        UserRows owned = rows[u];
        double dice = ThreadLocalRandom.current().nextDouble();
        boolean deletes = dice >= 0.95 && owned.ids.size() > 1;
        boolean inserts = !deletes && dice >= 0.90;
        // A delete's op (REMOVE) carries no row, so no stream can tell which transaction it came from.
        ledger.expect(tx, deletes ? 0 : streams);
        String id;
        try {
            if (deletes) {
                id = owned.ids.getFirst();
                delete.setString(1, id);
                delete.executeUpdate();
            } else if (inserts) {
                id = user(u) + "-n" + owned.next;
                insert.setString(1, id);
                insert.setString(2, user(u));
                insert.setLong(3, tx);
                insert.setString(4, body(tx));
                insert.executeUpdate();
            } else {
                id = owned.ids.get(ThreadLocalRandom.current().nextInt(owned.ids.size()));
                update.setLong(1, tx);
                update.setString(2, body(tx));
                update.setString(3, id);
                update.executeUpdate();
            }
            c.commit();
        } catch (SQLException e) {
            ledger.failed(tx, System.nanoTime());
            try {
                c.rollback();
            } catch (SQLException again) {
                e.addSuppressed(again);
            }
            return;
        }
        ledger.committed(tx, System.nanoTime());
        if (deletes) {
            owned.ids.removeFirst();
        } else if (inserts) {
            owned.next++;
            owned.ids.addLast(id);
        }
    }
}
