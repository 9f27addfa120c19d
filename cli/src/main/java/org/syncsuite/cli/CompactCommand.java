package org.syncsuite.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code powersync compact}: compacts the active version's buckets now (checksums stay; storage shrinks). */
@Command(name = "compact", mixinStandardHelpOptions = true,
        description = {"Compact the buckets of the serving sync config now: superseded operations become MOVE, "
                + "leading runs become CLEAR; every checksum stays the same and clients converge.",
            "Shows a progress bar of the buckets done."})
final class CompactCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    ProjectOptions options;

    @Option(names = "--timeout", paramLabel = "MINUTES", defaultValue = "30",
            description = "How long to wait (default: ${DEFAULT-VALUE}; 0 waits for ever). The compaction goes on if the "
                    + "wait ends first.")
    long timeoutMinutes;

    /** The compaction's progress, or nothing when it cannot be read (the answer of the compaction itself decides). */
    private static JsonNode pollQuietly(AdminClient client) {
        try {
            return client.get("/api/admin/v1/compact");
        } catch (CliException e) {
            return AdminClient.JSON.createObjectNode();
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        AdminClient client = options.client();
        out.println("Target: " + client.target().apiUrl() + " (from " + client.target().foundIn() + ")");
        out.flush();
        Duration limit = timeoutMinutes == 0 ? Duration.ofDays(365) : Duration.ofMinutes(timeoutMinutes);
        CompletableFuture<JsonNode> result = CompletableFuture.supplyAsync(() ->
                client.post("/api/admin/v1/compact", AdminClient.JSON.createObjectNode(), limit));
        Progress progress = new Progress(spec.commandLine().getErr(), "Compacting");
        Thread.sleep(200); // the compaction counts its buckets first
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                JsonNode data = result.get(250, TimeUnit.MILLISECONDS);
                progress.done("done");
                out.println("Compacted version " + data.path("version").asText("-") + ": " + data.path("buckets_visited").asLong()
                        + " buckets, ops " + data.path("ops_before").asLong() + " -> " + data.path("ops_after").asLong() + " ("
                        + data.path("ops_moved").asLong() + " moved, " + data.path("ops_cleared").asLong() + " cleared), bytes "
                        + data.path("bytes_before").asLong() + " -> " + data.path("bytes_after").asLong() + ", in "
                        + data.path("duration_ms").asLong() + " ms");
                return PowerSync.ExitCodes.OK;
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    progress.done("still running on the instance after " + timeoutMinutes + " minutes");
                    return PowerSync.ExitCodes.FAILED;
                }
                JsonNode state = pollQuietly(client);
                long total = state.path("buckets_total").asLong(-1);
                long done = state.path("buckets_done").asLong(0);
                progress.update(done, state.path("running").asBoolean() ? total : -1,
                        state.path("running").asBoolean() ? done + " of " + total + " buckets" : "");
            } catch (ExecutionException e) {
                progress.done("failed");
                throw e.getCause() instanceof RuntimeException r ? r : new CliException(e.getCause().getMessage(), e.getCause());
            }
        }
    }
}
