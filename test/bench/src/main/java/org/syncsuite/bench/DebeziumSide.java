package org.syncsuite.bench;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the Debezium baseline ({@code test/bench-debezium}) was built, and its class path: its
 * jar plus the class path its build wrote to {@code target/classpath.txt}. Debezium's jars never
 * join ours; the benchmark starts the baseline in a child JVM ({@link ChildJvm}).
 *
 * <p>The module's {@code target} folder is found next to ours (both live under {@code test/}),
 * or given with {@code -Dbench.debezium.target=PATH}.
 */
final class DebeziumSide {

    static final String MAIN_CLASS = "org.syncsuite.bench.debezium.DebeziumBaseline";
    /** The Debezium version test/bench-debezium's pom asks for (the child reports the one it ran). */
    static final String VERSION = "3.5.0.Final";

    private DebeziumSide() {
    }

    static String classPath() {
        Path target = target();
        Path jar = target.resolve("bench-debezium.jar");
        Path classPathFile = target.resolve("classpath.txt");
        if (!Files.isRegularFile(jar) || !Files.isRegularFile(classPathFile)) {
            throw new IllegalStateException("The Debezium baseline is not built (no " + jar + " or " + classPathFile
                    + "): build it with ./mvnw -q -pl test/bench -am package -DskipTests (./powersync bench does)");
        }
        try {
            String dependencies = Files.readString(classPathFile, StandardCharsets.UTF_8).trim();
            for (String entry : dependencies.split(File.pathSeparator)) {
                if (!Files.exists(Path.of(entry))) {
                    throw new IllegalStateException("The Debezium baseline's class path names a missing jar (" + entry
                            + "): rebuild it with ./mvnw -q -pl test/bench -am package -DskipTests");
                }
            }
            return jar + File.pathSeparator + dependencies;
        } catch (IOException e) {
            throw new IllegalStateException("Could not read " + classPathFile + ": " + e.getMessage(), e);
        }
    }

    private static Path target() {
        String configured = System.getProperty("bench.debezium.target");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        try {
            // test/bench/target/bench.jar or test/bench/target/classes -> test/bench-debezium/target
            Path ours = Path.of(DebeziumSide.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return ours.getParent().getParent().resolveSibling("bench-debezium").resolve("target");
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("Cannot tell where test/bench-debezium is: set -Dbench.debezium.target=PATH", e);
        }
    }
}
