package org.syncsuite.gateway.writer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.gateway.storage.StorageDatabase;

/** What the writer role takes from a service config: its storage, its Kafka topics, its sync config text. */
public final class WriterSetup {

    private WriterSetup() {
    }

    /** The {@code storage:} section, which the gateway requires. */
    public static StorageDatabase storage(ServiceConfig config) {
        ServiceConfig.StorageConfig storage = config.storage().orElseThrow(() -> new SyncException(ErrorCode.SERVICE_CONFIG_INVALID,
                config.file() + ": the sync gateway needs a storage: section (type: mysql, with hostname, port, database, "
                        + "username, password) for its bucket storage"));
        return StorageDatabase.of(storage);
    }

    /**
     * Creates the storage database when it does not exist yet (when the account may), then brings
     * its schema up to date. An unreachable storage is a {@link ErrorCode#STORAGE_UNAVAILABLE} error.
     */
    public static void prepare(ServiceConfig config, StorageDatabase storage) {
        ServiceConfig.StorageConfig section = config.storage().orElseThrow();
        String serverUrl = storage.url().replaceFirst("/" + java.util.regex.Pattern.quote(section.database()) + "(\\?|$)", "/$1");
        try (Connection c = DriverManager.getConnection(serverUrl, storage.user(), storage.password());
             Statement statement = c.createStatement()) {
            statement.execute("CREATE DATABASE IF NOT EXISTS `" + section.database().replace("`", "``") + "`");
        } catch (SQLException e) {
            if (!"42000".equals(e.getSQLState())) { // no right to create it: it must exist already
                throw new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage " + storage + " cannot be reached: "
                        + e.getMessage(), e);
            }
        }
        try {
            storage.migrate();
        } catch (RuntimeException e) {
            throw new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage " + storage + " could not be migrated: "
                    + e.getMessage(), e);
        }
    }

    /** The {@code kafka:} section, which the writer requires. */
    public static ServiceConfig.KafkaConfig kafka(ServiceConfig config) {
        return config.kafka().orElseThrow(() -> new SyncException(ErrorCode.SERVICE_CONFIG_INVALID,
                config.file() + ": the sync gateway needs a kafka: section with bootstrap_servers"));
    }

    /** The sync config: its name (for messages) and its text. */
    public record SyncConfigText(String name, String content) {
    }

    /** The service config's sync config, if it names one (else the admin API deploys it). */
    public static java.util.Optional<SyncConfigText> optionalSyncConfig(ServiceConfig config) {
        return config.syncConfig().map(source -> new SyncConfigText(source.name(config.file()), source.text()));
    }

}
