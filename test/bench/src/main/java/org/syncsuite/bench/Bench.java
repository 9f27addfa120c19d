package org.syncsuite.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs one benchmark by name: {@code ./powersync bench NAME [--option=value ...]}, or
 * {@code ./mvnw -Pbench -pl test/bench -am verify -Dbench=NAME}. {@code list} shows them all.
 */
public final class Bench {

    private static final Map<String, Benchmark> BENCHMARKS = new LinkedHashMap<>();

    static {
        register(new KafkaProduceBenchmark());
        register(new SyncRulesBenchmark());
        register(new BinlogToKafkaBenchmark());
        register(new WriterBenchmark());
        register(new InitialSyncBenchmark());
        register(new FanoutBenchmark());
        register(new LatencyBenchmark());
        register(new ClientApplyBenchmark());
        register(new AttachmentsBenchmark());
        register(new SoakBenchmark());
    }

    private Bench() {
    }

    private static void register(Benchmark benchmark) {
        BENCHMARKS.put(benchmark.name(), benchmark);
    }

    public static void main(String[] args) throws Exception {
        quietLibraryLogs();
        System.exit(run(args));
    }

    /** Reports are the output: library chatter (the embedded broker's above all) stays out. */
    static void quietLibraryLogs() {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(java.util.logging.Level.WARNING);
        for (java.util.logging.Handler handler : root.getHandlers()) {
            handler.setFilter(record -> record.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()
                    || (record.getLoggerName() != null && record.getLoggerName().startsWith("org.syncsuite.")));
        }
    }

    static int run(String[] args) throws Exception {
        if (args.length == 0 || "list".equals(args[0]) || "--help".equals(args[0])) {
            System.out.println("Benchmarks (run one with: ./powersync bench NAME [--option=value ...]):");
            BENCHMARKS.values().forEach(b -> System.out.printf("  %-16s %s%n", b.name(), b.description()));
            return args.length == 0 ? 2 : 0;
        }
        Benchmark benchmark = BENCHMARKS.get(args[0]);
        if (benchmark == null) {
            System.err.println("No benchmark named '" + args[0] + "'. Known: " + String.join(", ", BENCHMARKS.keySet()));
            return 2;
        }
        BenchOptions options = BenchOptions.parse(Arrays.copyOfRange(args, 1, args.length));
        System.out.println("Running " + benchmark.name() + ": " + benchmark.description());
        BenchReport report = benchmark.run(options);
        System.out.print(report.render());
        return 0;
    }
}
