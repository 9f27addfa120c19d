package org.syncsuite.core.protocol;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * The body of {@code POST /sync/stream}. Unknown fields are ignored, as PowerSync does, so newer
 * clients keep working; a field of the wrong type is a {@code PSYNC_S2001} error naming it.
 *
 * @param buckets         buckets the client already holds, with the op id it has them up to
 * @param rawData         rows as JSON strings (every current client) rather than nested objects
 * @param clientId        the client's id (a UUID), which write checkpoints are kept per
 * @param parametersJson  client ("connection") parameters, as a JSON object text ({@code {}} if none)
 * @param appMetadata     string pairs for logs only
 * @param streams         Sync Streams subscriptions; absent for legacy clients
 */
public record StreamingSyncRequest(List<BucketRequest> buckets, boolean rawData, Optional<String> clientId,
                                   String parametersJson, Map<String, String> appMetadata,
                                   Optional<StreamsRequest> streams) {

    /** The most subscriptions one request may carry. */
    public static final int MAX_SUBSCRIPTIONS = 1_000;
    /** The most buckets one request may name. */
    public static final int MAX_BUCKETS = 10_000;

    private static final ObjectMapper MAPPER = org.syncsuite.core.JsonMappers.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            // '{} trailing' is not one JSON value: refused, as JSON.parse refuses it
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(32).maxStringLength(1_000_000).maxNumberLength(100).build());
    }

    public StreamingSyncRequest {
        buckets = List.copyOf(buckets);
        appMetadata = Map.copyOf(appMetadata);
    }

    /** A bucket the client holds, complete up to op id {@code after}. */
    public record BucketRequest(String name, long after) {
    }

    /** {@code streams}: whether to include auto-subscribed streams, and explicit subscriptions. */
    public record StreamsRequest(boolean includeDefaults, List<Subscription> subscriptions) {
        public StreamsRequest {
            subscriptions = List.copyOf(subscriptions);
        }
    }

    /**
     * A subscription to a stream; its index in the list is its identity in later lines.
     * {@code parametersJson} is a JSON object text, or empty when the client sent none.
     */
    public record Subscription(String stream, Optional<String> parametersJson, OptionalInt overridePriority) {
    }

    /** Streams the client wants when it sent no {@code streams} (legacy clients): every default stream. */
    public StreamsRequest effectiveStreams() {
        return streams.orElseGet(() -> new StreamsRequest(true, List.of()));
    }

    /** Parses a request body; any problem is a {@link SyncException} with {@link ErrorCode#REQUEST_INVALID}. */
    public static StreamingSyncRequest parse(byte[] body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw invalid("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid("the body could not be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            root = MAPPER.createObjectNode(); // an empty body asks for the defaults
        }
        if (!root.isObject()) {
            throw invalid("the body must be a JSON object");
        }
        return new StreamingSyncRequest(
                buckets(root.get("buckets")),
                optionalBoolean(root, "raw_data", false),
                optionalString(root, "client_id"),
                objectText(root.get("parameters"), "parameters").orElse("{}"),
                appMetadata(root.get("app_metadata")),
                streams(root.get("streams")));
    }

    private static List<BucketRequest> buckets(JsonNode node) {
        if (isAbsent(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            throw invalid("buckets must be an array");
        }
        if (node.size() > MAX_BUCKETS) {
            throw invalid("buckets names " + node.size() + " buckets; at most " + MAX_BUCKETS + " are accepted");
        }
        List<BucketRequest> result = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode bucket = node.get(i);
            String path = "buckets[" + i + "]";
            if (!bucket.isObject()) {
                throw invalid(path + " must be an object");
            }
            String name = requiredString(bucket, "name", path);
            JsonNode after = bucket.get("after");
            long afterOpId = isAbsent(after) ? 0 : OpId.parse(after.isTextual() ? after.asText()
                    : after.isIntegralNumber() ? after.asText() : null, path + ".after");
            result.add(new BucketRequest(name, afterOpId));
        }
        return result;
    }

    private static Optional<StreamsRequest> streams(JsonNode node) {
        if (isAbsent(node)) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            throw invalid("streams must be an object");
        }
        boolean includeDefaults = optionalBoolean(node, "include_defaults", true);
        JsonNode list = node.get("subscriptions");
        List<Subscription> subscriptions = new ArrayList<>();
        if (!isAbsent(list)) {
            if (!list.isArray()) {
                throw invalid("streams.subscriptions must be an array");
            }
            if (list.size() > MAX_SUBSCRIPTIONS) {
                throw invalid("streams.subscriptions has " + list.size() + " entries; at most "
                        + MAX_SUBSCRIPTIONS + " are accepted");
            }
            for (int i = 0; i < list.size(); i++) {
                String path = "streams.subscriptions[" + i + "]";
                JsonNode subscription = list.get(i);
                if (!subscription.isObject()) {
                    throw invalid(path + " must be an object");
                }
                String stream = requiredString(subscription, "stream", path);
                Optional<String> parameters = objectText(subscription.get("parameters"), path + ".parameters");
                OptionalInt priority = OptionalInt.empty();
                JsonNode override = subscription.get("override_priority");
                if (!isAbsent(override)) {
                    // canConvertToInt first: asLong() wraps 2^64 + 1 around to 1
                    if (!override.isIntegralNumber() || !override.canConvertToInt() || override.asInt() < 0
                            || override.asInt() > 3) {
                        throw invalid(path + ".override_priority must be an integer from 0 to 3 or null");
                    }
                    priority = OptionalInt.of(override.asInt());
                }
                subscriptions.add(new Subscription(stream, parameters, priority));
            }
        }
        return Optional.of(new StreamsRequest(includeDefaults, subscriptions));
    }

    private static Map<String, String> appMetadata(JsonNode node) {
        if (isAbsent(node)) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw invalid("app_metadata must be an object of strings");
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().isTextual()) {
                throw invalid("app_metadata." + entry.getKey() + " must be a string");
            }
            result.put(entry.getKey(), entry.getValue().asText());
        }
        return result;
    }

    private static Optional<String> objectText(JsonNode node, String path) {
        if (isAbsent(node)) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            throw invalid(path + " must be a JSON object");
        }
        requireFiniteNumbers(node, path);
        return Optional.of(node.toString());
    }

    /**
     * A number beyond a double's range (1e309) would be read as infinity and written back as the
     * string "Infinity": a value the client never sent. Refused instead. The nesting is at most 32.
     */
    private static void requireFiniteNumbers(JsonNode node, String path) {
        if (node.isNumber() && node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            throw invalid(path + " holds a number beyond the range of a double");
        }
        for (JsonNode child : node) {
            requireFiniteNumbers(child, path);
        }
    }

    private static String requiredString(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isTextual()) {
            throw invalid(path + "." + field + " must be a string");
        }
        return node.asText();
    }

    private static Optional<String> optionalString(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (isAbsent(node)) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw invalid(field + " must be a string");
        }
        return Optional.of(node.asText());
    }

    private static boolean optionalBoolean(JsonNode parent, String field, boolean defaultValue) {
        JsonNode node = parent.get(field);
        if (isAbsent(node)) {
            return defaultValue;
        }
        if (!node.isBoolean()) {
            throw invalid(field + " must be true or false");
        }
        return node.asBoolean();
    }

    private static boolean isAbsent(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode();
    }

    private static SyncException invalid(String message) {
        return new SyncException(ErrorCode.REQUEST_INVALID, "Invalid sync request: " + message);
    }
}
