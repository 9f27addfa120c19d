package org.syncsuite.client;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link PowerSyncDatabase#watch}: a query's rows, sent to each subscriber at once and again after
 * every committed change to a table the query reads (local writes and published downloads alike),
 * when the rows differ from the last ones sent. Each subscription runs on a virtual thread of its
 * own and honours the subscriber's demand.
 */
final class WatchedQuery implements Flow.Publisher<List<Map<String, Object>>> {

    private final PowerSyncDatabase database;
    private final String sql;
    private final Object[] parameters;

    WatchedQuery(PowerSyncDatabase database, String sql, Object[] parameters) {
        this.database = database;
        this.sql = sql;
        this.parameters = parameters.clone();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super List<Map<String, Object>>> subscriber) {
        Watch watch = new Watch(subscriber);
        subscriber.onSubscribe(watch);
        Thread.ofVirtual().name("powersync-watch").start(watch);
    }

    private final class Watch implements Flow.Subscription, Runnable, PowerSyncDatabase.TableListener {
        private final Flow.Subscriber<? super List<Map<String, Object>>> subscriber;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private long demand; // guarded by this
        private boolean changed = true; // guarded by this
        private Set<String> tables = Set.of();

        Watch(Flow.Subscriber<? super List<Map<String, Object>>> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public synchronized void request(long n) {
            if (n <= 0) {
                cancel();
                subscriber.onError(new IllegalArgumentException("request must be positive (reactive streams rule 3.9)"));
                return;
            }
            demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
            notifyAll();
        }

        @Override
        public void cancel() {
            if (cancelled.compareAndSet(false, true)) {
                database.removeTableListener(this);
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        @Override
        public void tablesChanged(Set<String> names) {
            for (String name : names) {
                if (tables.contains(name)) {
                    synchronized (this) {
                        changed = true;
                        notifyAll();
                    }
                    return;
                }
            }
        }

        @Override
        public void run() {
            try {
                tables = database.tablesRead(sql);
                database.addTableListener(this);
                List<Map<String, Object>> last = null;
                while (!cancelled.get()) {
                    synchronized (this) {
                        while (!cancelled.get() && (!changed || demand == 0)) {
                            wait();
                        }
                        if (cancelled.get()) {
                            return;
                        }
                        changed = false;
                    }
                    List<Map<String, Object>> rows = database.getAll(sql, parameters);
                    if (!rows.equals(last)) {
                        synchronized (this) {
                            demand--;
                        }
                        last = rows;
                        subscriber.onNext(rows);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!cancelled.getAndSet(true)) {
                    database.removeTableListener(this);
                    subscriber.onError(e);
                }
            }
        }
    }
}
