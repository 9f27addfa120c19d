package org.syncsuite.core.config;

import java.util.List;

/**
 * A stream (or legacy bucket definition, which is always a default stream) ready for requests:
 * its bucket families, each with the producers of its parameter tuples.
 */
record CompiledStream(String name, boolean isDefault, int priority, List<Family> families) {

    /** One bucket family: its name ({@code todos|0}, or a legacy definition's name) and producers. */
    record Family(String name, List<TupleProducer> producers) {
    }
}
