package org.syncsuite.demo;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Starts the demo backend (Helidon MP): {@code --config FILE} reads MicroProfile Config keys from
 * a properties file (the data source, the JWT key set, the port), {@code --port N} sets the HTTP
 * port. Any key may also come from a system property or an environment variable. Stops on SIGTERM
 * or Ctrl-C.
 */
public final class DemoBackendMain {

    /** Narayana's setting for the folder of its transaction log. */
    public static final String OBJECT_STORE = "ObjectStoreEnvironmentBean.objectStoreDir";

    /**
     * This module and the jars only it uses (JPA, JTA, MicroProfile JWT), by artifact name: kept
     * out of the class path of another service started from a shared one, as their CDI extensions
     * would start there too.
     */
    public static final String[] OWN_JARS = {"demo-backend", "helidon-integrations-cdi-jpa",
        "helidon-integrations-cdi-hibernate", "helidon-integrations-cdi-jta", "helidon-integrations-cdi-jta-weld",
        "helidon-integrations-cdi-datasource", "helidon-integrations-cdi-datasource-hikaricp",
        "helidon-microprofile-jwt-auth", "helidon-microprofile-security", "hibernate-core", "narayana-jta", "weld-jta"};

    private DemoBackendMain() {
    }

    public static void main(String[] args) throws IOException {
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                usage();
            }
            String value = args[++i];
            switch (option) {
                case "--config" -> {
                    Properties properties = new Properties();
                    try (Reader in = Files.newBufferedReader(Path.of(value), StandardCharsets.UTF_8)) {
                        properties.load(in);
                    }
                    properties.forEach((key, v) -> System.getProperties().putIfAbsent(key, v));
                }
                case "--port" -> System.setProperty("server.port", Integer.toString(Integer.parseInt(value)));
                default -> usage();
            }
        }
        // The transaction manager's log (kept only while a transaction spans several resources).
        System.getProperties().putIfAbsent(OBJECT_STORE, Path.of(System.getProperty("java.io.tmpdir"),
                "syncsuite-demo-backend-transactions").toString());
        io.helidon.microprofile.cdi.Main.main(new String[0]);
    }

    private static void usage() {
        System.err.println("Usage: demo-backend [--config demo-backend.properties] [--port N]");
        System.exit(2);
    }
}
