package org.syncsuite.services;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The three backing services of one JVM, each started on first use and shared from then on, so
 * a test run pays each start-up once. Closed at JVM exit (or earlier by the JUnit extension).
 *
 * <p>Thread-safe: the getters may be called from parallel tests.
 */
public final class BackingServices implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(BackingServices.class.getName());
    private static final BackingServices SHARED = new BackingServices();

    private final Lazy<EmbeddedMariaDb> mariaDb = new Lazy<>(() -> EmbeddedMariaDb.builder().build());
    private final Lazy<EmbeddedKafka> kafka = new Lazy<>(() -> EmbeddedKafka.builder().build());
    private final Lazy<EmbeddedS3> s3 = new Lazy<>(() -> EmbeddedS3.builder().build());

    private BackingServices() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "backing-services-shutdown"));
    }

    /** The instance shared by everything in this JVM. */
    public static BackingServices shared() {
        return SHARED;
    }

    public EmbeddedMariaDb mariaDb() {
        return mariaDb.get();
    }

    public EmbeddedKafka kafka() {
        return kafka.get();
    }

    public EmbeddedS3 s3() {
        return s3.get();
    }

    /** Stops whatever was started, last started first. Later getters start afresh. */
    @Override
    public void close() {
        List<Lazy<? extends BackingService>> all = new ArrayList<>(List.of(s3, kafka, mariaDb));
        for (Lazy<? extends BackingService> service : all) {
            try {
                service.reset();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Stopping a backing service failed: {0}", e.toString());
            }
        }
    }

    /** One service, started on first {@link #get()}. */
    private static final class Lazy<T extends BackingService> {
        private final Supplier<T> factory;
        private T instance;

        Lazy(Supplier<T> factory) {
            this.factory = factory;
        }

        synchronized T get() {
            if (instance == null) {
                T created = factory.get();
                created.start();
                instance = created;
            }
            return instance;
        }

        synchronized void reset() {
            if (instance != null) {
                T current = instance;
                instance = null;
                current.close();
            }
        }
    }
}
