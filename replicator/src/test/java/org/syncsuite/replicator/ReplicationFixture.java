package org.syncsuite.replicator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.syncsuite.core.change.ChangeEventCodec;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;

/** What the replicator tests share: a fresh database, its service config, and the topic's committed records. */
final class ReplicationFixture {

    private ReplicationFixture() {
    }

    /** A new, empty database named {@code <prefix>_<random>}. */
    static String newDatabase(EmbeddedMariaDb db, String prefix) {
        String database = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
        db.createDatabase(database);
        return database;
    }

    /** The service.yaml text replicating {@code database} into topics named {@code <topicPrefix>.default.*}. */
    static String serviceYaml(EmbeddedMariaDb db, EmbeddedKafka kafka, String database, String topicPrefix) {
        return serviceYaml(db.port(), database, db.replicationUser(), db.replicationPassword(), kafka, topicPrefix);
    }

    /** The same, for a source on {@code port} reached as {@code user}. */
    static String serviceYaml(int port, String database, String user, String password, EmbeddedKafka kafka,
                              String topicPrefix) {
        return """
                replication:
                  connections:
                    - type: mariadb
                      hostname: 127.0.0.1
                      port: %d
                      database: %s
                      username: %s
                      password: %s
                kafka:
                  bootstrap_servers: %s
                  topic_prefix: %s
                """.formatted(port, database, user, password, kafka.bootstrapServers(), topicPrefix);
    }

    /** A sync config that replicates {@code table}, as a {@code sync_config:} section to append to a service.yaml. */
    static String syncConfigOf(String table) {
        return """
                sync_config:
                  content: |
                    config:
                      edition: 3
                    streams:
                      all:
                        auto_subscribe: true
                        query: SELECT * FROM %s
                """.formatted(table);
    }

    /**
     * Runs {@link ReplicatorMain} in a JVM of its own with {@code arguments}; its output goes to
     * {@code log} line by line, and to {@code lines} when given.
     */
    static Process launchReplicator(List<String> arguments, Path log, Consumer<String> lines)
            throws IOException {
        return launchReplicator(arguments, java.util.Map.of(), log, lines);
    }

    /** Starts the replicator service with {@code environment} added to this process's. */
    static Process launchReplicator(List<String> arguments, java.util.Map<String, String> environment, Path log,
                                    Consumer<String> lines) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ReplicatorMain.class.getName()));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        Files.createDirectories(log.toAbsolutePath().getParent());
        Thread.ofPlatform().daemon().start(() -> {
            try (var out = Files.newBufferedWriter(log)) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.accept(line);
                    out.write(line);
                    out.newLine();
                    out.flush();
                }
            } catch (IOException e) {
                // the child is gone
            }
        });
        return process;
    }

    static ServiceConfig config(EmbeddedMariaDb db, EmbeddedKafka kafka, String database, String topicPrefix) {
        return ServiceConfigReader.read(Path.of("service.yaml"), serviceYaml(db, kafka, database, topicPrefix), name -> null);
    }

    /** Every committed record of the topic, decoded, in order; none when the topic does not exist yet. */
    static List<ChangeRecord> records(EmbeddedKafka kafka, String topic) {
        Properties props = kafka.clientProperties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ChangeRecord> result = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            if (!consumer.listTopics().containsKey(topic)) {
                return result;
            }
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    result.add(ChangeEventCodec.decode(record.key(), record.value()));
                }
            }
        }
        return result;
    }

    static List<ChangeRecord.RowChange> rowChanges(EmbeddedKafka kafka, String topic) {
        return records(kafka, topic).stream().filter(ChangeRecord.RowChange.class::isInstance)
                .map(ChangeRecord.RowChange.class::cast).toList();
    }
}
