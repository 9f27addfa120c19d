package org.syncsuite.services;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A server running as a child process: output goes to a log file, the process is registered
 * with {@link ProcessGuard} so it never outlives this JVM, and {@link #stop(Duration)} stops it
 * gracefully before forcing.
 */
public final class ChildProcess {

    private static final System.Logger LOG = System.getLogger(ChildProcess.class.getName());

    private final String name;
    private final Process process;
    private final Path logFile;

    private ChildProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /**
     * Starts {@code command}. {@code marker} must appear in the command line and be unique to
     * this instance (a data directory path, say): the watchdog checks it before killing a pid.
     */
    public static ChildProcess start(String name, List<String> command, Path workDir, Path logFile,
                              Map<String, String> environment, String marker) {
        if (command.stream().noneMatch(arg -> arg.contains(marker))) {
            throw new IllegalArgumentException("The marker must appear in the command line");
        }
        List<String> full = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            // Own session: a Ctrl-C meant for the JVM reaches the server only through our
            // orderly shutdown, in the right order.
            full.add("/usr/bin/setsid");
        }
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new BackingServiceException("Could not start " + name + ": " + command.getFirst(), e);
        }
        try {
            ProcessGuard.get().register(process, name, marker);
            LOG.log(Level.DEBUG, "Started {0} as pid {1}: {2}", name, process.pid(), String.join(" ", command));
            return new ChildProcess(name, process, logFile);
        } catch (RuntimeException e) {
            // Unguarded, it could outlive us: stop it before reporting.
            ProcessGuard.terminate(process.toHandle(), Duration.ofSeconds(10));
            throw e;
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** The last lines of the log, for error messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public void stop(Duration grace) {
        if (process.isAlive()) {
            ProcessGuard.terminate(process.toHandle(), grace);
        }
        ProcessGuard.get().unregister(process);
        LOG.log(Level.DEBUG, "{0} (pid {1}) stopped", name, process.pid());
    }

    /**
     * Runs a short-lived command to completion under the same guard as a server (it may start
     * children of its own, as {@code mariadb-install-db} starts a bootstrap {@code mariadbd}),
     * failing with its output when it fails. Whatever way this ends, nothing it started remains.
     */
    static void runToCompletion(String what, List<String> command, Path workDir, Duration timeout, String marker) {
        Path output;
        try {
            output = Files.createTempFile("syncsuite-cmd-", ".log");
        } catch (IOException e) {
            throw new BackingServiceException(what + " could not run", e);
        }
        ChildProcess child = start(what, command, workDir, output, Map.of(), marker);
        try {
            if (!child.process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new BackingServiceException(what + " did not finish within " + timeout + ":\n" + child.logTail(30));
            }
            if (child.process.exitValue() != 0) {
                throw new BackingServiceException(what + " failed with exit code " + child.process.exitValue()
                        + ":\n" + child.logTail(60));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackingServiceException(what + " interrupted", e);
        } finally {
            child.stop(Duration.ofSeconds(10));
            try {
                Files.deleteIfExists(output);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "Could not remove {0}", output);
            }
        }
    }
}
