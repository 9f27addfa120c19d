package org.syncsuite.gateway;

import java.nio.file.Path;

import org.syncsuite.core.SyncException;

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
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof SyncException sync) {
                    System.err.println("The sync gateway cannot start: " + sync.errorCode().code() + ": " + sync.getMessage());
                    System.exit(1);
                }
            }
            throw e;
        }
    }

    private static void usage() {
        System.err.println("Usage: sync-gateway [-c service.yaml] [--port N]");
        System.exit(2);
    }
}
