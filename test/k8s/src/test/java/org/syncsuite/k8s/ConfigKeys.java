package org.syncsuite.k8s;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Executable;
import java.lang.reflect.Parameter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The MicroProfile Config keys a service declares: those of its
 * {@code META-INF/microprofile-config.properties} and those its classes inject with
 * {@link ConfigProperty}, read from the service's own jar (or classes folder).
 */
final class ConfigKeys {

    private ConfigKeys() {
    }

    /** The keys declared by the module that holds {@code anyClassOfService}. */
    static Set<String> of(Class<?> anyClassOfService) {
        Set<String> keys = new TreeSet<>();
        Path location = location(anyClassOfService);
        for (String className : classNames(location)) {
            Class<?> type;
            try {
                type = Class.forName(className, false, anyClassOfService.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new AssertionError("Cannot load " + className + " to read its configuration keys", e);
            }
            collect(type, keys);
        }
        try (InputStream in = open(location, "META-INF/microprofile-config.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                keys.addAll(properties.stringPropertyNames());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return keys;
    }

    /** MicroProfile Config's environment form of a key: gateway.role becomes GATEWAY_ROLE. */
    static String environmentName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    private static void collect(Class<?> type, Set<String> keys) {
        List<AnnotatedElement> elements = new ArrayList<>(List.of(type.getDeclaredFields()));
        List<Executable> executables = new ArrayList<>(List.of(type.getDeclaredConstructors()));
        executables.addAll(List.of(type.getDeclaredMethods()));
        for (Executable executable : executables) {
            elements.addAll(List.of(executable.getParameters()));
        }
        for (AnnotatedElement element : elements) {
            for (Annotation annotation : element.getAnnotations()) {
                if (annotation instanceof ConfigProperty property && !property.name().isEmpty()) {
                    keys.add(property.name());
                }
            }
            if (element instanceof Parameter parameter && parameter.isAnnotationPresent(ConfigProperty.class)
                    && parameter.getAnnotation(ConfigProperty.class).name().isEmpty()) {
                throw new AssertionError("A @ConfigProperty without a name in " + type.getName());
            }
        }
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> classNames(Path location) {
        try {
            if (Files.isDirectory(location)) {
                try (Stream<Path> files = Files.walk(location)) {
                    return files.map(location::relativize).map(Path::toString).filter(ConfigKeys::isClass)
                            .map(ConfigKeys::className).toList();
                }
            }
            try (JarFile jar = new JarFile(location.toFile())) {
                return jar.stream().map(e -> e.getName()).filter(ConfigKeys::isClass).map(ConfigKeys::className).toList();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isClass(String path) {
        return path.endsWith(".class") && !path.endsWith("module-info.class") && !path.endsWith("package-info.class")
                && !path.startsWith("META-INF");
    }

    private static String className(String path) {
        return path.substring(0, path.length() - ".class".length()).replace('/', '.').replace('\\', '.');
    }

    private static InputStream open(Path location, String resource) throws IOException {
        if (Files.isDirectory(location)) {
            Path file = location.resolve(resource);
            return Files.exists(file) ? Files.newInputStream(file) : null;
        }
        JarFile jar = new JarFile(location.toFile());
        var entry = jar.getEntry(resource);
        if (entry == null) {
            jar.close();
            return null;
        }
        InputStream in = jar.getInputStream(entry);
        return new java.io.FilterInputStream(in) {
            @Override
            public void close() throws IOException {
                super.close();
                jar.close();
            }
        };
    }
}
