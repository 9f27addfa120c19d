package org.syncsuite.services;

import java.io.File;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * This JVM's class path for a child JVM that runs one of our services: the services are Helidon
 * MP applications whose CDI beans would all start in one process, so each child leaves the
 * others' modules out.
 */
public final class ClassPath {

    private ClassPath() {
    }

    /** This JVM's class path less the jars ({@code <module>-<version>.jar}) and class folders of {@code modules}. */
    public static String without(String... modules) {
        StringBuilder kept = new StringBuilder();
        for (String entry : System.getProperty("java.class.path").split(Pattern.quote(File.pathSeparator))) {
            Path path = Path.of(entry);
            String file = path.getFileName() == null ? "" : path.getFileName().toString();
            boolean excluded = false;
            for (String module : modules) {
                boolean jar = file.startsWith(module + "-") && file.endsWith(".jar") && file.length() > module.length() + 1
                        && Character.isDigit(file.charAt(module.length() + 1));
                boolean classes = path.getParent() != null && path.getParent().getParent() != null
                        && path.getParent().getFileName().toString().equals("target")
                        && path.getParent().getParent().getFileName().toString().equals(module);
                excluded |= jar || classes;
            }
            if (!excluded) {
                kept.append(kept.isEmpty() ? "" : File.pathSeparator).append(entry);
            }
        }
        return kept.toString();
    }
}
