package org.syncsuite.faults;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Another writer of the source database, committing transactions at a steady rate straight to
 * MariaDB (not through the services' proxy): todos inserted, edited, completed and deleted in
 * the users' "load" lists, todos moved between users' lists, and now and then a whole list
 * handed to another user, which moves every todo of it from one user's buckets to another's.
 * It never touches the lists the devices write to. A transaction that fails (MariaDB restarting)
 * is retried after a pause; what it knows of the rows is read again, since a failed commit may
 * have taken effect. The rate is shared by a few workers, each on its own connection and its own
 * share of the load lists, so that one slow commit does not hold the others back.
 */
final class SourceLoad implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SourceLoad.class.getName());
    private static final int WORKERS = 4;

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final List<String> users;
    private final int transactionsPerSecond;
    private final AtomicBoolean running = new AtomicBoolean(false);
    private final AtomicBoolean closed = new AtomicBoolean(false);
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final List<Worker> workers = new ArrayList<>();

    SourceLoad(String jdbcUrl, String user, String password, List<String> users, int transactionsPerSecond) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.users = users;
        this.transactionsPerSecond = transactionsPerSecond;
        for (int i = 0; i < WORKERS; i++) {
            workers.add(new Worker(i));
        }
    }

    /** Creates each user's load lists: {@code listsPerUser} lists of {@code todosPerList} todos. */
    void seed(int listsPerUser, int todosPerList) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
             PreparedStatement list = c.prepareStatement("INSERT INTO lists (id, name, owner_id) VALUES (?, ?, ?)");
             PreparedStatement todo = c.prepareStatement("INSERT INTO todos (id, description, list_id, created_by) VALUES (?, ?, ?, 'load')")) {
            c.setAutoCommit(false);
            int n = 0;
            for (String owner : users) {
                for (int l = 0; l < listsPerUser; l++) {
                    // The list's name says which worker keeps it.
                    String id = "load-" + (n++ % WORKERS) + "-" + UUID.randomUUID().toString().substring(9);
                    list.setString(1, id);
                    list.setString(2, "Load list " + l + " of " + owner);
                    list.setString(3, owner);
                    list.executeUpdate();
                    for (int t = 0; t < todosPerList; t++) {
                        todo.setString(1, "load-" + UUID.randomUUID().toString().substring(5));
                        todo.setString(2, "seed " + t);
                        todo.setString(3, id);
                        todo.addBatch();
                    }
                    todo.executeBatch();
                }
            }
            c.commit();
        }
    }

    void start() {
        running.set(true);
        for (Worker worker : workers) {
            if (!worker.thread.isAlive()) {
                worker.thread.start();
            }
        }
    }

    /** Stops committing once the transactions under way end. */
    void pause() {
        running.set(false);
        for (Worker worker : workers) {
            synchronized (worker) {
                // A worker holds its monitor during a transaction: taking it waits that one out.
            }
        }
    }

    long committed() {
        return committed.get();
    }

    long failed() {
        return failed.get();
    }

    /** One connection committing its share of the rate on its own lists and their todos. */
    private final class Worker {
        private final int index;
        private final Random random;
        private final List<String> lists = new ArrayList<>();
        private final List<String> todos = new ArrayList<>();
        private final Thread thread;
        private Connection connection;

        Worker(int index) {
            this.index = index;
            this.random = new Random(11 + index);
            this.thread = Thread.ofPlatform().daemon().name("source-load-" + index).unstarted(this::run);
        }

        private void run() {
            long interval = 1_000_000_000L * WORKERS / transactionsPerSecond;
            long next = System.nanoTime();
            while (!closed.get()) {
                if (!running.get()) {
                    sleep(Duration.ofMillis(20));
                    next = System.nanoTime();
                    continue;
                }
                long now = System.nanoTime();
                if (now < next) {
                    sleep(Duration.ofNanos(next - now));
                    continue;
                }
                // Behind by more than a second (after an outage): do not burst to catch up.
                next = Math.max(next + interval, now - 1_000_000_000L);
                synchronized (this) {
                    if (!running.get()) {
                        continue;
                    }
                    try {
                        transaction();
                        committed.incrementAndGet();
                    } catch (SQLException e) {
                        failed.incrementAndGet();
                        LOG.log(System.Logger.Level.DEBUG, "source transaction failed: {0}", e.toString());
                        closeConnection();
                        sleep(Duration.ofMillis(250));
                    }
                }
            }
        }

        private void transaction() throws SQLException {
            if (connection == null) {
                connection = DriverManager.getConnection(jdbcUrl, user, password);
                connection.setAutoCommit(false);
                reload();
            }
            int kind = random.nextInt(100);
            try (Statement statement = connection.createStatement()) {
                String list = lists.get(random.nextInt(lists.size()));
                if (kind < 35 || todos.size() < 20) {
                    String id = "load-" + UUID.randomUUID().toString().substring(5);
                    statement.executeUpdate("INSERT INTO todos (id, description, list_id, created_by) VALUES ('" + id + "', 'new "
                            + random.nextInt(1_000_000) + "', '" + list + "', 'load')");
                    connection.commit();
                    todos.add(id);
                } else if (kind < 70) {
                    String id = todos.get(random.nextInt(todos.size()));
                    statement.executeUpdate("UPDATE todos SET description = 'edit " + random.nextInt(1_000_000) + "', completed = "
                            + random.nextInt(2) + " WHERE id = '" + id + "'");
                    // A second row in the same transaction: a checkpoint must hold both or neither.
                    String other = todos.get(random.nextInt(todos.size()));
                    statement.executeUpdate("UPDATE todos SET completed = 1 - completed WHERE id = '" + other + "'");
                    connection.commit();
                } else if (kind < 85) {
                    String id = todos.get(random.nextInt(todos.size()));
                    statement.executeUpdate("DELETE FROM todos WHERE id = '" + id + "'");
                    connection.commit();
                    todos.remove(id);
                } else if (kind < 99) {
                    // Another list, maybe another user's: the todo leaves one user's buckets for another's.
                    String id = todos.get(random.nextInt(todos.size()));
                    statement.executeUpdate("UPDATE todos SET list_id = '" + list + "' WHERE id = '" + id + "'");
                    connection.commit();
                } else {
                    // A list changes hands: every todo in it moves with it.
                    String owner = users.get(random.nextInt(users.size()));
                    statement.executeUpdate("UPDATE lists SET owner_id = '" + owner + "' WHERE id = '" + list + "'");
                    connection.commit();
                }
            } catch (SQLException e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // the connection is gone
                }
                throw e;
            }
        }

        private void reload() throws SQLException {
            lists.clear();
            todos.clear();
            String mine = "load-" + index + "-%";
            try (PreparedStatement select = connection.prepareStatement("SELECT id FROM lists WHERE id LIKE ? ORDER BY id")) {
                select.setString(1, mine);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        lists.add(rows.getString(1));
                    }
                }
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT id FROM todos WHERE list_id LIKE ? ORDER BY id")) {
                select.setString(1, mine);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        todos.add(rows.getString(1));
                    }
                }
            }
            connection.commit();
        }

        private void closeConnection() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // gone already
                }
                connection = null;
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed.set(true);
        running.set(false);
        for (Worker worker : workers) {
            worker.thread.join(10_000);
            synchronized (worker) {
                worker.closeConnection();
            }
        }
    }
}
