package org.syncsuite.client;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A stream of the sync config with its parameters, from {@link PowerSyncDatabase#syncStream}:
 * subscribing syncs its rows (the connection reopens with the new subscription at once), and they
 * stay on the device for the subscription's time to live after the last handle is let go, across
 * restarts of the app, so that a screen visited offline again still has its data.
 */
public final class SyncStream {

    /** PowerSync's default time to live of a subscription after it is let go. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(24);

    private final PowerSyncDatabase database;
    private final String name;
    private final Map<String, Object> parameters;

    SyncStream(PowerSyncDatabase database, String name, Map<String, Object> parameters) {
        this.database = database;
        this.name = name;
        this.parameters = Map.copyOf(parameters);
    }

    public String name() {
        return name;
    }

    public Map<String, Object> parameters() {
        return parameters;
    }

    /** Subscribes with the default time to live and the stream's own priority. */
    public SyncStreamSubscription subscribe() {
        return subscribe(DEFAULT_TTL, Optional.empty());
    }

    /**
     * Subscribes: the rows stay synced while a handle is held, and for {@code ttl} after the last
     * one is let go; {@code priority} (0 to 3) overrides the stream's.
     */
    public SyncStreamSubscription subscribe(Duration ttl, Optional<Integer> priority) {
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("The time to live cannot be negative: " + ttl);
        }
        priority.ifPresent(p -> {
            if (p < 0 || p > 3) {
                throw new IllegalArgumentException("A priority is 0 to 3, not " + p);
            }
        });
        return database.subscriptions().subscribe(this, ttl, priority);
    }

    /** Ends every subscription to this stream with these parameters now, without waiting for their time to live. */
    public void unsubscribeAll() {
        database.subscriptions().removeAll(this);
    }
}
