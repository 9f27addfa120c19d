package org.syncsuite.services;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The server versions, written into {@code versions.properties} by the build from the parent pom. */
final class Versions {

    private static final Properties VERSIONS = load();

    private Versions() {
    }

    static String of(String server) {
        String version = VERSIONS.getProperty(server);
        if (version == null || version.isBlank() || version.startsWith("${")) {
            throw new IllegalStateException("No version for " + server + " in versions.properties: build with Maven");
        }
        return version;
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("versions.properties")) {
            if (in == null) {
                throw new IllegalStateException("versions.properties is missing from the services jar");
            }
            properties.load(in);
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
