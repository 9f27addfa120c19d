package org.syncsuite.services.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class the embedded backing services: declare a parameter (constructor, lifecycle
 * or test method) of type {@link org.syncsuite.services.EmbeddedMariaDb},
 * {@link org.syncsuite.services.EmbeddedKafka} or {@link org.syncsuite.services.EmbeddedS3}.
 * Each service starts once per test JVM, when a test first asks for it, and is shared by every
 * test class after that.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(BackingServicesExtension.class)
public @interface WithBackingServices {
}
