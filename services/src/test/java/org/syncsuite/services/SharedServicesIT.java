package org.syncsuite.services;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class SharedServicesIT {

    private final EmbeddedKafka injectedInConstructor;

    SharedServicesIT(EmbeddedKafka kafka) {
        this.injectedInConstructor = kafka;
    }

    @Test
    void everyTestClassGetsTheSameRunningInstances(EmbeddedKafka kafka, EmbeddedS3 s3) {
        assertThat(kafka).isSameAs(injectedInConstructor).isSameAs(BackingServices.shared().kafka());
        assertThat(s3).isSameAs(BackingServices.shared().s3());
        assertThat(kafka.isRunning()).isTrue();
        assertThat(s3.isRunning()).isTrue();
        assertThat(Ports.isListening(kafka.port())).isTrue();
        assertThat(Ports.isListening(s3.port())).isTrue();
    }
}
