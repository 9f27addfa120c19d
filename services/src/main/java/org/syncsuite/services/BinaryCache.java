package org.syncsuite.services;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Server binaries shipped inside Maven artifacts, unpacked once per machine into a cache
 * directory ({@code syncsuite.cache.dir}, else {@code $XDG_CACHE_HOME/syncsuite}, else
 * {@code ~/.cache/syncsuite}) and reused by every later start. Unpacking is atomic and guarded by
 * a file lock, so concurrent JVMs never see a half-written tree.
 */
final class BinaryCache {

    private static final System.Logger LOG = System.getLogger(BinaryCache.class.getName());

    private BinaryCache() {
    }

    static Path directory() {
        String configured = System.getProperty("syncsuite.cache.dir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "syncsuite");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "syncsuite");
    }

    /**
     * The cached copy of the class-path tree under {@code resourcePrefix} (ending with '/'),
     * unpacked on first use into {@code cache/name}. {@code probe} is a file under the prefix that
     * must exist, used to find the archive that holds the tree.
     */
    static Path tree(String name, String resourcePrefix, String probe) {
        return once(name, target -> copyTree(resourcePrefix, probe, target));
    }

    /**
     * The cached copy of one class-path resource, as {@code cache/name-SIZE/fileName}: the size
     * in the key makes a different artifact behind the same name unpack afresh.
     */
    static Path file(String name, String resource, String fileName) {
        URL url = BinaryCache.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new BackingServiceException("Not on the class path: " + resource);
        }
        long size;
        try {
            java.net.URLConnection connection = url.openConnection();
            connection.setUseCaches(false);
            size = connection.getContentLengthLong();
        } catch (IOException e) {
            throw new BackingServiceException("Could not read " + resource, e);
        }
        Path dir = once(name + "-" + size, target -> {
            try (InputStream in = resourceStream(resource)) {
                Files.copy(in, target.resolve(fileName));
            }
        });
        return dir.resolve(fileName);
    }

    private interface Filler {
        void fill(Path target) throws IOException;
    }

    private static Path once(String name, Filler filler) {
        Path root = directory();
        Path target = root.resolve(name);
        if (Files.isRegularFile(target.resolve(".complete"))) {
            return target;
        }
        try {
            Files.createDirectories(root);
            try (FileChannel channel = FileChannel.open(root.resolve(name + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                if (Files.isRegularFile(target.resolve(".complete"))) {
                    return target;
                }
                long started = System.nanoTime();
                Trees.delete(target);
                Path temp = root.resolve(name + ".tmp-" + ProcessHandle.current().pid());
                Trees.delete(temp);
                Files.createDirectories(temp);
                filler.fill(temp);
                Files.createFile(temp.resolve(".complete"));
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                LOG.log(Level.INFO, "Unpacked {0} into {1} in {2} ms", name, target,
                        (System.nanoTime() - started) / 1_000_000);
                return target;
            }
        } catch (IOException e) {
            throw new BackingServiceException("Could not unpack " + name + " into " + target, e);
        }
    }

    private static void copyTree(String prefix, String probe, Path target) throws IOException {
        URL url = BinaryCache.class.getClassLoader().getResource(prefix + probe);
        if (url == null) {
            throw new BackingServiceException("Not on the class path: " + prefix + probe
                    + " (is the binaries artifact a dependency?)");
        }
        if ("jar".equals(url.getProtocol())) {
            JarURLConnection connection = (JarURLConnection) url.openConnection();
            connection.setUseCaches(false);
            Path archive;
            try {
                archive = Path.of(connection.getJarFileURL().toURI());
            } catch (URISyntaxException e) {
                throw new IOException("Unreadable archive location " + connection.getJarFileURL(), e);
            }
            try (JarFile jar = new JarFile(archive.toFile())) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    JarEntry entry = entries.nextElement();
                    if (!entry.getName().startsWith(prefix) || entry.isDirectory()) {
                        continue;
                    }
                    Path out = target.resolve(entry.getName().substring(prefix.length())).normalize();
                    if (!out.startsWith(target)) {
                        throw new BackingServiceException("Unsafe entry in archive: " + entry.getName());
                    }
                    Files.createDirectories(out.getParent());
                    try (InputStream in = jar.getInputStream(entry)) {
                        Files.copy(in, out);
                    }
                }
            }
        } else {
            Path source;
            try {
                source = Path.of(url.toURI()).getParent();
                for (int i = 0; i < probe.split("/").length - 1; i++) {
                    source = source.getParent();
                }
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
            Path from = source;
            try (Stream<Path> files = Files.walk(from)) {
                for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    Path out = target.resolve(from.relativize(file).toString());
                    Files.createDirectories(out.getParent());
                    Files.copy(file, out);
                }
            }
        }
    }

    private static InputStream resourceStream(String resource) throws IOException {
        InputStream in = BinaryCache.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new BackingServiceException("Not on the class path: " + resource);
        }
        return in;
    }
}
