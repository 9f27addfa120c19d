package org.syncsuite.services;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Node.js packages for tests that drive the official PowerSync client: {@code npm ci} of a
 * folder's {@code package.json} and lock file into a target folder, done once per lock file
 * (a marker in {@code node_modules} holds the lock's hash), or shared with another target
 * installed from the same lock. Native modules compile against Node's own headers when they are
 * installed beside it, since their prebuilt downloads may be out of reach.
 */
public final class NodePackages {

    private static final String MARKER = ".installed-from-lock";

    private NodePackages() {
    }

    /**
     * Copies {@code files} (with {@code package.json} and {@code package-lock.json}) from
     * {@code source} to {@code target} and makes {@code target/node_modules} match the lock:
     * a link to {@code shared}'s when that was installed from the same lock, else {@code npm ci}.
     * Fails with npm's output when the install fails.
     */
    public static Path install(Path source, Path target, List<String> files, Optional<Path> shared) throws IOException,
            InterruptedException {
        Files.createDirectories(target);
        for (String file : java.util.stream.Stream.concat(java.util.stream.Stream.of("package.json", "package-lock.json"),
                files.stream()).distinct().toList()) {
            Files.copy(source.resolve(file), target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        String lock = Integer.toHexString(Files.readString(target.resolve("package-lock.json")).hashCode());
        Path modules = target.resolve("node_modules");
        if (installedFrom(modules, lock)) {
            return target;
        }
        if (shared.isPresent() && installedFrom(shared.get().resolve("node_modules"), lock)) {
            if (Files.isSymbolicLink(modules) || !Files.exists(modules)) {
                Files.deleteIfExists(modules);
                Files.createSymbolicLink(modules, shared.get().resolve("node_modules").toAbsolutePath());
                return target;
            }
        }
        Path log = target.resolve("npm-ci.log");
        ProcessBuilder npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(target.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        nodeHeaders().ifPresent(headers -> npm.environment().put("npm_config_nodedir", headers.toString()));
        Process install = npm.start();
        boolean done = install.waitFor(15, TimeUnit.MINUTES);
        if (!done || install.exitValue() != 0) {
            install.destroyForcibly();
            throw new IOException("npm ci in " + target + " failed (Node.js 20+ and the npm registry are needed):\n"
                    + Files.readString(log));
        }
        Files.writeString(modules.resolve(MARKER), lock);
        return target;
    }

    private static boolean installedFrom(Path modules, String lock) throws IOException {
        Path marker = modules.resolve(MARKER);
        return Files.exists(marker) && Files.readString(marker).equals(lock);
    }

    /** Node's own headers, when installed beside it. */
    private static Optional<Path> nodeHeaders() throws IOException, InterruptedException {
        Process which = new ProcessBuilder("node", "-p", "process.execPath").redirectErrorStream(true).start();
        String exec = new String(which.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        which.waitFor();
        Path prefix = Path.of(exec).toRealPath().getParent().getParent();
        return Files.exists(prefix.resolve("include/node/node.h")) ? Optional.of(prefix) : Optional.empty();
    }
}
