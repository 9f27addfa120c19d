package org.syncsuite.bench;

/** One benchmark: measures our way and a baseline in the same run, on the same machine. */
public interface Benchmark {

    /** The name given on the command line ({@code ./powersync bench NAME}). */
    String name();

    /** One line on what is measured. */
    String description();

    BenchReport run(BenchOptions options) throws Exception;
}
