package org.syncsuite.attachments;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;

/**
 * From the PowerSync-format {@code service.yaml}: the settings Helidon reads before it starts
 * (the metadata data source, the client JWT keys, the port), the metadata database's migration,
 * and, in CDI, the config and the object store.
 */
@ApplicationScoped
public class AttachmentsSetup {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    @ConfigProperty(name = "powersync.config-path", defaultValue = "powersync.yaml")
    String configPath;

    @Produces
    @Singleton
    ServiceConfig serviceConfig() {
        return ServiceConfigReader.read(Path.of(configPath));
    }

    @Produces
    @Singleton
    ServiceConfig.AttachmentsConfig attachmentsConfig(ServiceConfig config) {
        return require(config);
    }

    @Produces
    @Singleton
    ObjectStore objectStore(ServiceConfig.AttachmentsConfig config) {
        return new ObjectStore(config);
    }

    static ServiceConfig.AttachmentsConfig require(ServiceConfig config) {
        return config.attachments().orElseThrow(() -> new SyncException(ErrorCode.SERVICE_CONFIG_INVALID, config.file()
                + ": the attachments service needs an attachments: section (s3: endpoint and bucket, and the limits)"));
    }

    /**
     * Sets the system properties Helidon reads at start from {@code config} ({@code port} when
     * given), and migrates the metadata database (creating it when missing).
     */
    static void configure(ServiceConfig config, Optional<Integer> port) {
        ServiceConfig.AttachmentsConfig attachments = require(config);
        ServiceConfig.StorageConfig db = attachments.database();
        System.setProperty("powersync.config-path", config.file().toAbsolutePath().toString());
        String url = "jdbc:mysql://" + db.hostname() + ":" + db.port() + "/" + db.database()
                + "?allowPublicKeyRetrieval=true&useSSL=" + db.tls().enabled();
        System.setProperty("javax.sql.DataSource.attachments.dataSource.url", url);
        System.setProperty("javax.sql.DataSource.attachments.dataSource.user", db.username());
        System.setProperty("javax.sql.DataSource.attachments.dataSource.password", db.password());
        port.ifPresent(p -> System.setProperty("server.port", Integer.toString(p)));
        if (!config.clientAuth().audience().isEmpty()) {
            System.setProperty("mp.jwt.verify.audiences", String.join(",", config.clientAuth().audience()));
        }
        config.clientAuth().jwksJson().map(AttachmentsSetup::withKeyIds)
                .ifPresent(jwks -> System.setProperty("mp.jwt.verify.publickey", jwks));
        if (config.clientAuth().jwksJson().isEmpty() && !config.clientAuth().jwksUris().isEmpty()) {
            System.setProperty("mp.jwt.verify.publickey.location", config.clientAuth().jwksUris().getFirst());
        }
        migrate(db, url);
    }

    /** The key set with a {@code kid} on every key (MicroProfile JWT's key set needs one), as JSON. */
    static String withKeyIds(String jwks) {
        try {
            JsonNode root = JSON.readTree(jwks);
            int n = 0;
            for (JsonNode key : root.path("keys")) {
                if (key instanceof ObjectNode object && !object.hasNonNull("kid")) {
                    object.put("kid", "key-" + n);
                }
                n++;
            }
            return root.toString();
        } catch (java.io.IOException e) {
            throw new SyncException(ErrorCode.SERVICE_CONFIG_INVALID, "client_auth.jwks is not a key set: " + e.getMessage(), e);
        }
    }

    private static void migrate(ServiceConfig.StorageConfig db, String url) {
        String server = "jdbc:mysql://" + db.hostname() + ":" + db.port() + "/?allowPublicKeyRetrieval=true&useSSL=" + db.tls().enabled();
        if (!db.database().matches("[A-Za-z0-9_]+")) {
            throw new SyncException(ErrorCode.SERVICE_CONFIG_INVALID, "attachments.database.database must be a plain name, not " + db.database());
        }
        try (Connection c = DriverManager.getConnection(server, db.username(), db.password()); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS `" + db.database() + "` CHARACTER SET utf8mb4");
        } catch (SQLException e) {
            throw new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "The attachments metadata database " + db.hostname() + ":"
                    + db.port() + " cannot be reached: " + e.getMessage(), e);
        }
        Flyway.configure().dataSource(url, db.username(), db.password()).locations("classpath:db/attachments")
                .table("attachments_schema_history").load().migrate();
    }
}
