package org.syncsuite.cli;

import java.time.Duration;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code powersync reprocess}: rebuilds the serving sync config's buckets from the changes topic. */
@Command(name = "reprocess", mixinStandardHelpOptions = true,
        description = {"Rebuild every bucket of the serving sync config from the changes topic, as a new version.",
            "The version that serves now keeps serving until the rebuilt one takes over."})
final class ReprocessCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    ProjectOptions options;

    @Option(names = "--no-wait", description = "Return at once instead of waiting until the rebuilt version serves.")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600",
            description = "How long to wait (default: ${DEFAULT-VALUE} s).")
    long timeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
        AdminClient client = options.client();
        spec.commandLine().getOut().println("Target: " + client.target().apiUrl() + " (from " + client.target().foundIn() + ")");
        JsonNode result = client.post("/api/sync-rules/v1/reprocess", AdminClient.JSON.createObjectNode());
        int version = result.path("version").asInt();
        spec.commandLine().getOut().println("Reprocessing as version " + version + " (" + result.path("slot_name").asText() + ").");
        spec.commandLine().getOut().flush();
        if (noWait) {
            return PowerSync.ExitCodes.OK;
        }
        return Rollout.await(client, version, Duration.ofSeconds(timeoutSeconds), spec.commandLine().getErr())
                ? PowerSync.ExitCodes.OK : PowerSync.ExitCodes.FAILED;
    }
}
