package org.syncsuite.replicator;

import java.nio.file.Path;

import org.syncsuite.core.SyncException;
import org.syncsuite.core.logging.LogFormat;

/**
 * Starts the replicator service (Helidon MP): {@code -c service.yaml} (or
 * {@code POWERSYNC_CONFIG_PATH}, else {@code ./powersync.yaml}) with the sync config it names to
 * choose the replicated tables; {@code --snapshot-chunk-size N} sets the rows per snapshot chunk;
 * {@code --port N} the HTTP port of {@code /health} and {@code /metrics} (0 picks a free one).
 * Several instances of one connection elect one active replicator; the others wait as standbys
 * and take over when it stops or dies. Stops on SIGTERM or Ctrl-C.
 */
public final class ReplicatorMain {

    private ReplicatorMain() {
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
                case "--snapshot-chunk-size" -> System.setProperty("replicator.snapshot.chunk-size", positive(value));
                case "--port" -> System.setProperty("server.port", Integer.toString(Integer.parseInt(value)));
                default -> usage();
            }
        }
        try {
            io.helidon.microprofile.cdi.Main.main(new String[0]);
        } catch (RuntimeException e) {
            // A bad service config or a misconfigured source: its message says what to change; no stack trace.
            SyncException sync = SyncException.in(e).orElseThrow(() -> e);
            LogFormat.printFatal(ReplicatorMain.class, "The replicator cannot start: " + sync.errorCode().code() + ": "
                    + sync.getMessage());
            System.exit(1);
        }
    }

    private static String positive(String value) {
        if (Integer.parseInt(value) <= 0) {
            usage();
        }
        return value;
    }

    private static void usage() {
        System.err.println("Usage: replicator [-c service.yaml] [--snapshot-chunk-size N] [--port N]");
        System.exit(2);
    }
}
