package org.syncsuite.bench.debezium;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * An in-memory offset store (like Kafka Connect's {@code MemoryOffsetBackingStore}) that starts
 * out holding one offset: the binlog position the benchmark wants Debezium to stream from. The
 * engine finds it as if an earlier run had committed it, so the connector skips the data snapshot
 * and reads only the benchmark's stretch of binlog.
 *
 * <p>The engine instantiates this class by name, so the position is handed over through
 * {@link #startAt} before the engine is built (one engine at a time).
 */
public final class StartPositionOffsetStore extends MemoryOffsetBackingStore {

    private record Start(String engineName, Map<String, ?> partition, Map<String, ?> offset) {
    }

    private static volatile Start next;

    /**
     * The offset the next engine named {@code engineName} will find for the source partition
     * {@code partition}, such as {@code {"file": "binlog.000001", "pos": 4711, "gtids": "0-1-17"}}.
     */
    static void startAt(String engineName, Map<String, ?> partition, Map<String, ?> offset) {
        next = new Start(Objects.requireNonNull(engineName), Map.copyOf(partition), Map.copyOf(offset));
    }

    @Override
    public synchronized void start() {
        super.start();
        Start start = next;
        if (start == null) {
            throw new IllegalStateException("No start position was set: call startAt before building the engine");
        }
        // Serialized exactly as the engine's offset reader looks keys up: JSON without schemas,
        // the key being [engine name, source partition].
        try (JsonConverter keys = new JsonConverter(); JsonConverter values = new JsonConverter()) {
            keys.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), true);
            values.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
            byte[] key = keys.fromConnectData(start.engineName(), null, List.of(start.engineName(), start.partition()));
            byte[] value = values.fromConnectData(start.engineName(), null, start.offset());
            data.put(ByteBuffer.wrap(key), ByteBuffer.wrap(value));
        }
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        Start start = next;
        Set<Map<String, Object>> partitions = new HashSet<>();
        if (start != null && start.engineName().equals(connectorName)) {
            partitions.add(Map.copyOf(start.partition()));
        }
        return partitions;
    }
}
