package org.syncsuite.client.attachments;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.syncsuite.client.PowerSyncDatabase;

/** Waits, through a watched query (no polling), until a query's rows satisfy a condition. */
final class Rows {

    private Rows() {
    }

    static List<Map<String, Object>> await(PowerSyncDatabase db, Duration timeout, Predicate<List<Map<String, Object>>> condition,
                                           String sql, Object... parameters) throws InterruptedException {
        BlockingQueue<List<Map<String, Object>>> emitted = new LinkedBlockingQueue<>();
        Flow.Subscription[] subscription = new Flow.Subscription[1];
        db.watch(sql, parameters).subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription[0] = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<Map<String, Object>> rows) {
                emitted.add(rows);
            }

            @Override
            public void onError(Throwable throwable) {
                emitted.add(List.of(Map.of("error", String.valueOf(throwable))));
            }

            @Override
            public void onComplete() {
            }
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Map<String, Object>> last = null;
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                List<Map<String, Object>> rows = left > 0 ? emitted.poll(left, TimeUnit.NANOSECONDS) : null;
                if (rows == null) {
                    return fail("Timed out after " + timeout + " waiting on " + sql + "; last rows: " + last);
                }
                last = rows;
                if (condition.test(rows)) {
                    return rows;
                }
            }
        } finally {
            subscription[0].cancel();
        }
    }

    /** Waits until attachment {@code id} is in {@code state}. */
    static void awaitState(PowerSyncDatabase db, String id, AttachmentState state) throws InterruptedException {
        await(db, Duration.ofSeconds(5), rows -> !rows.isEmpty() && ((Number) rows.get(0).get("state")).intValue() == state.code(),
                "SELECT state FROM attachments WHERE id = ?", id);
    }

    /** Waits until there is no record of attachment {@code id}. */
    static void awaitGone(PowerSyncDatabase db, String id) throws InterruptedException {
        await(db, Duration.ofSeconds(5), List::isEmpty, "SELECT id FROM attachments WHERE id = ?", id);
    }
}
