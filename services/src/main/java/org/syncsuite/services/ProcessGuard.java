package org.syncsuite.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Makes sure that the server processes this JVM starts never outlive it.
 *
 * <p>Two mechanisms, because a shutdown hook alone does not run when the JVM is killed
 * ({@code kill -9}, or a test runner giving up on a fork):
 * <ol>
 *   <li>a shutdown hook stops every registered child gracefully, then forcibly;</li>
 *   <li>a watchdog: a small shell process, in a session of its own, that polls this JVM's pid and,
 *       once it is gone, stops every child still listed in a registry file. A child is only
 *       killed when its command line still contains the marker it was registered with, so a
 *       recycled pid is never hit.</li>
 * </ol>
 * Thread-safe: children register and unregister from any thread.
 */
public final class ProcessGuard {

    private static final System.Logger LOG = System.getLogger(ProcessGuard.class.getName());
    private static final ProcessGuard INSTANCE = new ProcessGuard();

    /** Polls the owner JVM once a second; on its death TERMs the children, then KILLs them. */
    private static final String WATCHDOG_SCRIPT = """
            owner="$1"; registry="$2"
            # Gone, or a zombie its parent has not reaped yet: either way our owner has ended.
            while kill -0 "$owner" 2>/dev/null && [ "$(sed 's/.*) //' "/proc/$owner/stat" 2>/dev/null | cut -c1)" != Z ]; do
              sleep 1
            done
            [ -f "$registry" ] || exit 0
            victims=""
            while read -r pid marker; do
              [ -n "$pid" ] || continue
              if tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"; then
                kill -TERM "$pid" 2>/dev/null; victims="$victims $pid"
              fi
            done < "$registry"
            for i in 1 2 3 4 5 6 7 8 9 10; do
              alive=""
              for pid in $victims; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
              [ -z "$alive" ] && break
              sleep 1
            done
            for pid in $victims; do kill -KILL "$pid" 2>/dev/null; done
            rm -f "$registry"
            """;

    private final Map<Long, Registered> children = new ConcurrentHashMap<>();
    private final Object registryLock = new Object();
    private volatile Path registry;
    private volatile Process watchdog;

    private record Registered(Process process, String name, String marker) {
    }

    private ProcessGuard() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "process-guard-shutdown"));
    }

    public static ProcessGuard get() {
        return INSTANCE;
    }

    /**
     * Puts {@code process} under guard. {@code marker} is a string unique to this child's command
     * line (its data directory, say), checked before the watchdog kills its pid.
     */
    public void register(Process process, String name, String marker) {
        if (marker.isBlank() || marker.contains("\n")) {
            throw new IllegalArgumentException("marker must be one non-blank line");
        }
        children.put(process.pid(), new Registered(process, name, marker));
        ensureWatchdog();
        writeRegistry();
    }

    public void unregister(Process process) {
        if (children.remove(process.pid()) != null) {
            writeRegistry();
        }
    }

    /** Pids of the children currently guarded (for status output and tests). */
    public List<Long> guardedPids() {
        return List.copyOf(children.keySet());
    }

    /** The watchdog process, once one runs (tests check that it does its work). */
    public java.util.Optional<ProcessHandle> watchdog() {
        Process current = watchdog;
        return current == null ? java.util.Optional.empty() : java.util.Optional.of(current.toHandle());
    }

    /** Stops a process and its descendants: TERM, up to {@code grace}, then KILL. */
    public static void terminate(ProcessHandle process, Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        while (process.isAlive() && System.nanoTime() < deadline) {
            Ports.sleep(Duration.ofMillis(50));
        }
        if (process.isAlive()) {
            LOG.log(Level.WARNING, "Process {0} did not stop within {1}; killing it", process.pid(), grace);
            process.destroyForcibly();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        try {
            process.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "Process {0} still running after KILL", process.pid());
        }
    }

    private void stopAll() {
        for (Registered child : children.values()) {
            LOG.log(Level.INFO, "Stopping {0} (pid {1}) at JVM exit", child.name(), child.process().pid());
            terminate(child.process().toHandle(), Duration.ofSeconds(20));
        }
        children.clear();
        writeRegistry();
    }

    private void ensureWatchdog() {
        synchronized (registryLock) {
            if (watchdog != null && watchdog.isAlive()) {
                return;
            }
            try {
                if (registry == null) {
                    registry = Files.createTempFile("syncsuite-guard-" + ProcessHandle.current().pid() + "-", ".pids");
                }
                List<String> command = new java.util.ArrayList<>();
                if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
                    // A session of its own: Ctrl-C in a terminal or a signal to our process group
                    // must not take the watchdog down with us.
                    command.add("/usr/bin/setsid");
                }
                command.addAll(List.of("/bin/sh", "-c", WATCHDOG_SCRIPT, "syncsuite-process-guard",
                        Long.toString(ProcessHandle.current().pid()), registry.toString()));
                watchdog = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
            } catch (IOException e) {
                throw new BackingServiceException("Could not start the process watchdog", e);
            }
        }
    }

    private void writeRegistry() {
        synchronized (registryLock) {
            if (registry == null) {
                return;
            }
            String lines = children.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue().marker())
                    .collect(Collectors.joining("\n", "", "\n"));
            try {
                Path temp = registry.resolveSibling(registry.getFileName() + ".tmp");
                Files.writeString(temp, lines, StandardCharsets.UTF_8);
                Files.move(temp, registry, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write the process registry " + registry, e);
            }
        }
    }
}
