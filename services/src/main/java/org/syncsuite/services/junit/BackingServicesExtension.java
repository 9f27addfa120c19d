package org.syncsuite.services.junit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.syncsuite.services.BackingServices;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.EmbeddedS3;

/**
 * Resolves {@link EmbeddedMariaDb}, {@link EmbeddedKafka} and {@link EmbeddedS3} parameters from
 * {@link BackingServices#shared()}. The services are stopped when the whole test plan ends (the
 * root context closes), and by a shutdown hook should the JVM end first.
 */
public final class BackingServicesExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(BackingServicesExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == EmbeddedMariaDb.class || type == EmbeddedKafka.class || type == EmbeddedS3.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        BackingServices services = services(context);
        Class<?> type = parameter.getParameter().getType();
        if (type == EmbeddedMariaDb.class) {
            return services.mariaDb();
        }
        if (type == EmbeddedKafka.class) {
            return services.kafka();
        }
        if (type == EmbeddedS3.class) {
            return services.s3();
        }
        throw new ParameterResolutionException("Not a backing service: " + type.getName());
    }

    private static BackingServices services(ExtensionContext context) {
        // Stored in the root context: closed once, after the last test class of the run.
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(BackingServicesResource.class, key -> new BackingServicesResource(),
                        BackingServicesResource.class)
                .services();
    }

    /** Closes the shared services when JUnit closes the root store. */
    private record BackingServicesResource(BackingServices services) implements AutoCloseable {
        BackingServicesResource() {
            this(BackingServices.shared());
        }

        @Override
        public void close() {
            services.close();
        }
    }
}
