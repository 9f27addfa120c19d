package org.syncsuite.attachments;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.syncsuite.core.SyncException;
import org.syncsuite.core.logging.LogFormat;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;

/**
 * Starts the attachments service (Helidon MP): {@code -c service.yaml} (or
 * {@code POWERSYNC_CONFIG_PATH}, else {@code ./powersync.yaml}) gives the {@code attachments:}
 * section (S3 and the limits), {@code client_auth} (the client JWT keys) and {@code api.tokens};
 * {@code --port N} the HTTP port. Stops on SIGTERM or Ctrl-C.
 */
public final class AttachmentsMain {

    /** Narayana's setting for the folder of its transaction log. */
    public static final String OBJECT_STORE = "ObjectStoreEnvironmentBean.objectStoreDir";

    /**
     * This module and the jars only it uses (JPA, JTA, MicroProfile JWT, OpenAPI), by artifact name:
     * kept out of the class path of another service started from a shared one.
     */
    public static final String[] OWN_JARS = {"attachments-service", "helidon-integrations-cdi-jpa",
        "helidon-integrations-cdi-hibernate", "helidon-integrations-cdi-jta", "helidon-integrations-cdi-jta-weld",
        "helidon-integrations-cdi-datasource", "helidon-integrations-cdi-datasource-hikaricp", "helidon-microprofile-jwt-auth",
        "helidon-microprofile-security", "helidon-microprofile-openapi", "hibernate-core", "narayana-jta", "weld-jta"};

    private AttachmentsMain() {
    }

    public static void main(String[] args) {
        // The set-up below (Flyway's migration, S3) logs before Helidon starts: apply the
        // service's logging.properties (and its log format) to those lines too.
        io.helidon.logging.common.LogConfig.configureRuntime();
        Path config = Path.of(System.getenv().getOrDefault("POWERSYNC_CONFIG_PATH", "powersync.yaml"));
        Optional<Integer> port = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            if (i + 1 >= args.length) {
                usage();
            }
            String value = args[++i];
            switch (args[i - 1]) {
                case "-c", "--config-path" -> config = Path.of(value);
                case "--port" -> port = Optional.of(Integer.parseInt(value));
                default -> usage();
            }
        }
        try {
            ServiceConfig service = ServiceConfigReader.read(config);
            System.getProperties().putIfAbsent(OBJECT_STORE, transactionLog(config).toString());
            AttachmentsSetup.configure(service, port);
            io.helidon.microprofile.cdi.Main.main(new String[0]);
        } catch (RuntimeException e) {
            SyncException sync = SyncException.in(e).orElseThrow(() -> e);
            LogFormat.printFatal(AttachmentsMain.class, "The attachments service cannot start: " + sync.errorCode().code() + ": "
                    + sync.getMessage());
            System.exit(1);
        }
    }

    /**
     * Narayana's log folder unless {@value #OBJECT_STORE} is set: beside the service.yaml, or in
     * {@code java.io.tmpdir} when that folder is read-only (a Kubernetes ConfigMap or Secret).
     */
    static Path transactionLog(Path config) {
        Path folder = config.toAbsolutePath().getParent();
        Path beside = folder.resolve("attachments-transactions");
        if (Files.isWritable(beside) || Files.isWritable(folder)) {
            return beside;
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "attachments-transactions");
    }

    private static void usage() {
        System.err.println("Usage: attachments-service [-c service.yaml] [--port N]");
        System.exit(2);
    }
}
