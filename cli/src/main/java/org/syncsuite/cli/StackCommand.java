package org.syncsuite.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.syncsuite.services.Ports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code powersync stack start|stop|status|reset}: the whole suite on this machine. */
@Command(name = "stack",
        mixinStandardHelpOptions = true,
        description = {
            "Run the suite on this machine, on embedded services, with no Docker.",
            "MariaDB with its binlog on, a Kafka broker and an S3-compatible store. "
                + "Data lives in the stack folder (.powersync/ in the working directory)."})
final class StackCommand {

    private static final List<String> SERVICES = List.of("mariadb", "kafka", "s3", "replicator", "gateway", "backend", "attachments");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);

    @Spec
    CommandSpec spec;

    /** Held while {@code start} runs: a second start from the same folder is refused. */
    private FileLock heldLock;

    @Option(names = "--stack-dir", paramLabel = "DIR", defaultValue = StackDirectory.DEFAULT_NAME,
            description = "The stack folder (default: ${DEFAULT-VALUE} in the working directory).")
    Path stackDir;

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Start the stack in the foreground and print where each service listens.",
                "Stops cleanly on Ctrl-C or 'powersync stack stop' from another terminal."})
    int start() throws InterruptedException {
        StackDirectory directory = directory();
        directory.create();
        heldLock = lockOrExplain(directory);
        if (heldLock == null) {
            return PowerSync.ExitCodes.FAILED;
        }
        try {
            CliLogging.logTo(directory.log());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open " + directory.log(), e);
        }
        PrintWriter out = out();
        out.printf("Starting MariaDB, Kafka, S3, the replicator and the sync gateway in %s ...%n", directory.root());
        out.flush();
        long began = System.nanoTime();
        Properties previous = directory.readState().orElseGet(Properties::new);
        LocalStack stack = new LocalStack(directory, previous);

        // Recorded before anything starts, so that 'stop' from another terminal also works
        // while the services are still coming up (the stack's own pid is in the lock it holds).
        Properties state = new Properties();
        state.putAll(previous);
        state.remove("mariadb.pid");
        state.remove("s3.pid");
        state.remove("replicator.pid");
        state.remove("gateway.pid");
        state.setProperty("started", Instant.now().toString());
        directory.writeState(state);

        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            out.println("Stopping the stack ...");
            out.flush();
            stack.close();
            synchronized (directory) {
                Properties after = directory.readState().orElseGet(Properties::new);
                for (String key : List.of("pid", "pid.started", "mariadb.pid", "s3.pid", "replicator.pid", "gateway.pid", "backend.pid", "attachments.pid")) {
                    after.remove(key);
                }
                directory.writeState(after);
            }
            out.println("Stack stopped.");
            out.flush();
            stopped.countDown();
        }, "stack-shutdown"));

        stack.start();
        state.putAll(stack.describe());
        synchronized (directory) {
            if (stopping.get()) {
                return PowerSync.ExitCodes.FAILED; // stopped while starting: the hook cleans up
            }
            directory.writeState(state);
        }

        String replicatorMetrics = state.getProperty("replicator.info.metrics");
        if (replicatorMetrics != null) {
            SnapshotWatch.await(replicatorMetrics, Duration.ofMinutes(10), out);
        }
        printServices(out, state);
        out.printf("%nStack ready in %.1f s. Logs: %s%n", (System.nanoTime() - began) / 1e9, directory.log());
        out.println("Press Ctrl-C to stop, or run './powersync stack stop' from another terminal.");
        out.flush();
        stopped.await();
        return PowerSync.ExitCodes.OK;
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop the stack started from this folder and wait until every process is gone.")
    int stop() {
        StackDirectory directory = directory();
        PrintWriter out = out();
        Optional<Properties> state = directory.readState();
        Optional<ProcessHandle> running = state.flatMap(s -> directory.holder());
        if (running.isEmpty()) {
            state.ifPresent(s -> killLeftovers(s, out));
            out.printf("No stack is running from %s.%n", directory.root());
            return PowerSync.ExitCodes.OK;
        }
        ProcessHandle stack = running.get();
        out.printf("Stopping the stack (pid %d) ...%n", stack.pid());
        out.flush();
        stack.destroy();
        try {
            stack.onExit().get(STOP_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            out.printf("The stack did not stop within %d s; killing it.%n", STOP_TIMEOUT.toSeconds());
            stack.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return PowerSync.ExitCodes.FAILED;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        killLeftovers(state.get(), out);
        out.println("Stack stopped.");
        return PowerSync.ExitCodes.OK;
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show whether the stack runs and where each service listens (exit code 3 when it does not run).")
    int status() {
        StackDirectory directory = directory();
        PrintWriter out = out();
        Optional<Properties> state = directory.readState();
        Optional<ProcessHandle> running = state.flatMap(s -> directory.holder());
        if (running.isEmpty()) {
            out.printf("No stack is running from %s.%n", directory.root());
            return PowerSync.ExitCodes.NOT_RUNNING;
        }
        Properties s = state.get();
        out.printf("Stack running from %s (pid %d, since %s)%n", directory.root(), running.get().pid(),
                s.getProperty("started", "?"));
        boolean allUp = true;
        for (String service : SERVICES) {
            int port = Integer.parseInt(s.getProperty(service + ".port", "0"));
            boolean up = port > 0 && Ports.isListening(port);
            allUp &= up;
            out.printf("  %-10s %-13s port %d%n", service, up ? "running" : "NOT RESPONDING", port);
        }
        out.println();
        printServices(out, s);
        return allUp ? PowerSync.ExitCodes.OK : PowerSync.ExitCodes.FAILED;
    }

    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = "Stop the stack if it runs, then delete all of its data.")
    int reset() {
        StackDirectory directory = directory();
        PrintWriter out = out();
        if (directory.holder().isPresent()) {
            int stopped = stop();
            if (stopped != PowerSync.ExitCodes.OK) {
                return stopped;
            }
        }
        if (!directory.exists()) {
            out.printf("Nothing to reset: %s does not exist.%n", directory.root());
            return PowerSync.ExitCodes.OK;
        }
        directory.wipe();
        out.printf("Removed %s: the next 'stack start' begins with empty databases, topics and buckets.%n",
                directory.root());
        return PowerSync.ExitCodes.OK;
    }

    private StackDirectory directory() {
        return new StackDirectory(stackDir);
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Holds the stack folder's lock for the life of this JVM, or explains who holds it. */
    private FileLock lockOrExplain(StackDirectory directory) {
        Optional<FileLock> lock = directory.lock();
        if (lock.isPresent()) {
            return lock.get();
        }
        String pid = directory.holder().map(p -> Long.toString(p.pid())).orElse("?");
        spec.commandLine().getErr().printf("A stack is already running from %s (pid %s). "
                + "Stop it with './powersync stack stop'.%n", directory.root(), pid);
        return null;
    }

    private static Optional<ProcessHandle> process(Properties state, String key) {
        String pid = state.getProperty(key);
        if (pid == null || pid.isBlank()) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(pid.trim())).filter(ProcessHandle::isAlive);
    }

    /**
     * After the stack's JVM is gone its server processes go too (their watchdog sees to it);
     * this waits for that, and stops any that remain.
     */
    private static void killLeftovers(Properties state, PrintWriter out) {
        for (String key : List.of("attachments.pid", "backend.pid", "gateway.pid", "replicator.pid", "mariadb.pid", "s3.pid")) {
            Optional<ProcessHandle> server = process(state, key);
            if (server.isEmpty() || !commandMentions(server.get(), state)) {
                continue;
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (server.get().isAlive() && System.nanoTime() < deadline) {
                sleep(Duration.ofMillis(100));
            }
            if (server.get().isAlive()) {
                out.printf("Stopping leftover %s process %d%n", key.substring(0, key.indexOf('.')), server.get().pid());
                org.syncsuite.services.ProcessGuard.terminate(server.get(), Duration.ofSeconds(20));
            }
        }
    }

    /** Guards against a recycled pid: the server's command line names a file of the stack. */
    private static boolean commandMentions(ProcessHandle process, Properties state) {
        String data = state.getProperty("mariadb.info.data", "");
        String store = state.getProperty("s3.info.store", "");
        String serviceConfig = state.getProperty("replicator.info.service_config", "");
        String command = process.info().commandLine().orElse("");
        return (!data.isEmpty() && command.contains(data))
                || (!serviceConfig.isEmpty() && command.contains(serviceConfig))
                || (!serviceConfig.isEmpty() && command.contains(Path.of(serviceConfig).resolveSibling("demo-backend.properties").toString()))
                || (!store.isEmpty() && command.contains(Path.of(store).getParent().toString()));
    }

    private static void printServices(PrintWriter out, Properties state) {
        for (String service : SERVICES) {
            String prefix = service + ".info.";
            out.printf("%n  %s%n", service);
            state.stringPropertyNames().stream().filter(k -> k.startsWith(prefix)).sorted().forEach(k ->
                    out.printf("    %-18s %s%n", k.substring(prefix.length()).replace('_', ' '), state.getProperty(k)));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
