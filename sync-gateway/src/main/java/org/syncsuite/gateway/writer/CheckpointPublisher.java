package org.syncsuite.gateway.writer;

/** Where committed checkpoints are announced. */
@FunctionalInterface
public interface CheckpointPublisher {

    /** Announces {@code event}; a failure is logged by the caller and never undoes the commit. */
    void publish(CheckpointEvent event);

    CheckpointPublisher NONE = event -> { };
}
