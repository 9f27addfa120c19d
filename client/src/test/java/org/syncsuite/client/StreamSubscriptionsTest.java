package org.syncsuite.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamSubscriptionsTest {

    private static final Schema SCHEMA = Schema.of(Table.of("todos", Column.text("title")));

    @TempDir
    Path dir;

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-11-25T10:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void handlesShareARowWhichOutlivesTheLastOneByItsTimeToLive() {
        TestClock clock = new TestClock();
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("a.db"), SCHEMA)) {
            StreamSubscriptions subscriptions = new StreamSubscriptions(db, clock);
            Map<String, Object> ab = new LinkedHashMap<>();
            ab.put("a", 1);
            ab.put("b", "x");
            Map<String, Object> ba = new LinkedHashMap<>();
            ba.put("b", "x");
            ba.put("a", 1);
            SyncStreamSubscription first = subscriptions.subscribe(new SyncStream(db, "list_todos", ab), Duration.ofMinutes(10),
                    Optional.empty());
            SyncStreamSubscription second = subscriptions.subscribe(new SyncStream(db, "list_todos", ba), Duration.ofMinutes(10),
                    Optional.of(1));
            assertThat(subscriptions.forRequest()).containsExactly(
                    new StreamSubscriptions.Stored(1, "list_todos", "{\"a\":1,\"b\":\"x\"}", Optional.of(1)));

            first.unsubscribe();
            first.unsubscribe(); // once per handle
            assertThat(db.get("SELECT active, expires_at FROM ps_stream_subscriptions")).containsEntry("active", 1L);
            second.close();
            long released = clock.now.getEpochSecond();
            assertThat(db.get("SELECT active, expires_at FROM ps_stream_subscriptions"))
                    .containsEntry("active", 0L).containsEntry("expires_at", released + 600);
            assertThat(subscriptions.nextExpiry(List.of(1L))).contains(Instant.ofEpochSecond(released + 600));

            clock.now = clock.now.plusSeconds(599);
            assertThat(subscriptions.forRequest()).as("kept within its time to live").hasSize(1);
            clock.now = clock.now.plusSeconds(1);
            assertThat(subscriptions.forRequest()).as("expired").isEmpty();
            assertThat(db.getAll("SELECT * FROM ps_stream_subscriptions")).isEmpty();
        }
    }

    @Test
    void subscriptionsHeldWhenTheAppStoppedStartTheirTimeToLiveAtTheNextOpen() {
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("b.db"), SCHEMA)) {
            SyncStreamSubscription held = db.syncStream("list_todos", Map.of("list_id", "L1")).subscribe(Duration.ofHours(1),
                    Optional.empty());
            assertThat(held.hasSynced()).isFalse();
            db.syncStream("list_todos", Map.of("list_id", "L2")).subscribe();
        }
        long opened = Instant.now().getEpochSecond();
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("b.db"), SCHEMA)) {
            List<Map<String, Object>> rows = db.getAll("SELECT local_params, active, expires_at FROM ps_stream_subscriptions ORDER BY id");
            assertThat(rows).extracting(row -> row.get("active")).containsExactly(0L, 0L);
            assertThat(((Number) rows.get(0).get("expires_at")).longValue()).isBetween(opened + 3600 - 5, opened + 3600 + 5);
            assertThat(((Number) rows.get(1).get("expires_at")).longValue()).isBetween(opened + 86_400 - 5, opened + 86_400 + 5);
            assertThat(db.subscriptions().forRequest()).extracting(StreamSubscriptions.Stored::parameters)
                    .containsExactly("{\"list_id\":\"L1\"}", "{\"list_id\":\"L2\"}");

            db.syncStream("list_todos", Map.of("list_id", "L1")).unsubscribeAll();
            assertThat(db.subscriptions().forRequest()).extracting(StreamSubscriptions.Stored::parameters)
                    .containsExactly("{\"list_id\":\"L2\"}");
            db.disconnectAndClear();
            assertThat(db.subscriptions().forRequest()).isEmpty();
        }
    }

    @Test
    void badArgumentsAreRefused() {
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("c.db"), SCHEMA)) {
            SyncStream stream = db.syncStream("list_todos", Map.of());
            assertThatThrownBy(() -> stream.subscribe(Duration.ofSeconds(-1), Optional.empty()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("time to live");
            assertThatThrownBy(() -> stream.subscribe(Duration.ofSeconds(1), Optional.of(4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 to 3");
            assertThatThrownBy(() -> db.syncStream(" ", Map.of())).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> db.syncStream("s", Map.of("x", new Object())).subscribe())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON");
        }
    }
}
