package org.syncsuite.gateway.service;

import java.util.function.Supplier;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.syncsuite.gateway.api.ApiStats;
import org.syncsuite.gateway.api.SyncApi;

/**
 * The api role's metrics ({@code /metrics}): open streams and those refused at the limit, ops,
 * bytes and checkpoints sent, write checkpoints handed out, and the time from a source commit to
 * the checkpoint that carries it reaching a client.
 */
@ApplicationScoped
public class ApiMetrics {

    @Inject
    MetricRegistry registry;
    @Inject
    ApiService service;

    void created(@Observes @Initialized(ApplicationScoped.class) Object started) {
        // registering happens in register()
    }

    @PostConstruct
    void register() {
        ApiStats stats = service.stats();
        gauge("gateway.api.streams", "Sync streams open in this process", MetricUnits.NONE,
                () -> service.api().map(SyncApi::openStreams).orElse(0));
        gauge("gateway.api.streams.opened", "Sync streams opened", MetricUnits.NONE, stats::streamsOpened);
        gauge("gateway.api.streams.refused", "Sync streams refused at api.parameters.max_concurrent_connections",
                MetricUnits.NONE, stats::streamsRefused);
        gauge("gateway.api.ops.sent", "Bucket operations sent to clients", MetricUnits.NONE, stats::opsSent);
        gauge("gateway.api.bytes.sent", "Bytes of sync lines sent to clients (before compression)", MetricUnits.BYTES,
                stats::bytesSent);
        gauge("gateway.api.checkpoints.sent", "Checkpoints completed on a stream", MetricUnits.NONE, stats::checkpointsSent);
        gauge("gateway.api.chunks.read.ahead", "Chunks of bucket ops read ahead of the stream that sent them",
                MetricUnits.NONE, stats::chunksReadAhead);
        gauge("gateway.api.write.checkpoints", "Write checkpoints handed out", MetricUnits.NONE, stats::writeCheckpoints);
        gauge("gateway.api.checkpoint.latency", "Seconds from the source commit to a client's checkpoint_complete holding it "
                + "(last one)", MetricUnits.SECONDS, () -> stats.lastLatencyMillis() / 1000.0);
    }

    private <T extends Number> void gauge(String name, String description, String unit, Supplier<T> value) {
        registry.gauge(Metadata.builder().withName(name).withDescription(description).withUnit(unit).build(), value);
    }
}
