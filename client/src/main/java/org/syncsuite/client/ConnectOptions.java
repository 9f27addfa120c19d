package org.syncsuite.client;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How to connect: connection parameters (the stream's {@code connection.parameters()}), whether
 * to sync the config's auto-subscribed streams, explicit stream subscriptions, and the framing to
 * ask for ({@code bson}: PowerSync's BSON stream; otherwise NDJSON).
 */
public record ConnectOptions(Map<String, Object> parameters, boolean includeDefaultStreams, List<Subscription> subscriptions,
                             boolean bson) {

    /** A subscription to a stream with its parameters, and a priority that overrides the stream's. */
    public record Subscription(String stream, Map<String, Object> parameters, Optional<Integer> priority) {
        public Subscription {
            parameters = Map.copyOf(parameters);
        }
    }

    public static final ConnectOptions DEFAULTS = new ConnectOptions(Map.of(), true, List.of(), false);

    public ConnectOptions {
        parameters = Map.copyOf(parameters);
        subscriptions = List.copyOf(subscriptions);
    }

    public ConnectOptions withBson(boolean useBson) {
        return new ConnectOptions(parameters, includeDefaultStreams, subscriptions, useBson);
    }

    public ConnectOptions withSubscription(String stream, Map<String, Object> streamParameters) {
        List<Subscription> more = new java.util.ArrayList<>(subscriptions);
        more.add(new Subscription(stream, streamParameters, Optional.empty()));
        return new ConnectOptions(parameters, includeDefaultStreams, more, bson);
    }

    public ConnectOptions withParameters(Map<String, Object> connectionParameters) {
        return new ConnectOptions(connectionParameters, includeDefaultStreams, subscriptions, bson);
    }
}
