package org.syncsuite.gateway;

import java.nio.file.Path;


import org.syncsuite.core.SyncException;
import org.syncsuite.core.logging.LogFormat;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;
import org.syncsuite.gateway.storage.Compactor;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.writer.WriterSetup;
import org.syncsuite.gateway.writer.WriterSupervisor;

/**
 * Starts the sync gateway (Helidon MP): {@code -c service.yaml} (or {@code POWERSYNC_CONFIG_PATH},
 * else {@code ./powersync.yaml}) names the bucket storage, the Kafka topics and the sync config;
 * {@code --port N} the HTTP port of {@code /health} and {@code /metrics} (0 picks a free one).
 * The writer role writes the changes topic into bucket storage; several gateways elect one active
 * writer per sync config version, the others stand by. Stops on SIGTERM or Ctrl-C.
 */
public final class GatewayMain {

    private GatewayMain() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("compact")) {
            compact(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                usage();
            }
            String value = args[++i];
            switch (option) {
                case "-c", "--config-path" -> System.setProperty("powersync.config-path", Path.of(value).toAbsolutePath().toString());
                case "--port" -> System.setProperty("server.port", Integer.toString(Integer.parseInt(value)));
                default -> usage();
            }
        }
        try {
            io.helidon.microprofile.cdi.Main.main(new String[0]);
        } catch (RuntimeException e) {
            // A bad service config, storage or Kafka out of reach: its message says what to change; no stack trace.
            SyncException sync = SyncException.in(e).orElseThrow(() -> e);
            LogFormat.printFatal(GatewayMain.class, "The sync gateway cannot start: " + sync.errorCode().code() + ": "
                    + sync.getMessage());
            System.exit(1);
        }
    }

    /**
     * {@code compact [-c service.yaml]}: compacts the active version's buckets once, up to its last
     * checkpoint, while the writers go on, and prints what it did.
     */
    private static void compact(String[] args) {
        Path config = Path.of(System.getenv().getOrDefault("POWERSYNC_CONFIG_PATH", "powersync.yaml"));
        for (int i = 0; i < args.length; i++) {
            if ((args[i].equals("-c") || args[i].equals("--config-path")) && i + 1 < args.length) {
                config = Path.of(args[++i]);
            } else {
                usage();
            }
        }
        try {
            ServiceConfig service = ServiceConfigReader.read(config);
            StorageDatabase storage = WriterSetup.storage(service);
            WriterSetup.prepare(service, storage);
            Compactor.Result result = WriterSupervisor.compactActive(storage);
            System.out.println("Compacted " + result.bucketsVisited() + " buckets: " + result.opsMoved() + " ops moved, "
                    + result.opsDeleted() + " ops replaced by " + result.clearsWritten() + " CLEARs, "
                    + result.opsBefore() + " -> " + result.opsAfter() + " ops, " + result.bytesBefore() + " -> "
                    + result.bytesAfter() + " bytes of data, " + result.parameterRowsDeleted() + " parameter index rows dropped");
        } catch (SyncException e) {
            System.err.println("Cannot compact: " + e.errorCode().code() + ": " + e.getMessage());
            System.exit(1);
        } catch (java.sql.SQLException e) {
            System.err.println("Cannot compact: bucket storage failed: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void usage() {
        System.err.println("Usage: sync-gateway [-c service.yaml] [--port N]\n       sync-gateway compact [-c service.yaml]");
        System.exit(2);
    }
}
