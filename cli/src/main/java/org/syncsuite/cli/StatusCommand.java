package org.syncsuite.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code powersync status}: the instance's diagnostics (its source connection, the active and
 * deploying sync config versions with their replication state and tables) and its figures
 * (buckets, ops, open streams, replication lag).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the instance's replication and sync state.",
            "Exit code 0 when the source is connected and a sync config serves, 1 otherwise."})
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    ProjectOptions options;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "human", converter = Output.Converter.class,
            description = "human (default), json or yaml.")
    Output output;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        AdminClient client = options.client();
        JsonNode diagnostics = client.post("/api/admin/v1/diagnostics", AdminClient.JSON.createObjectNode());
        JsonNode figures = client.post("/api/admin/v1/status", AdminClient.JSON.createObjectNode());
        boolean connected = true;
        for (JsonNode connection : diagnostics.path("connections")) {
            connected &= connection.path("connected").asBoolean();
        }
        boolean healthy = connected && diagnostics.has("active_sync_rules");
        if (output != Output.HUMAN) {
            ObjectNode report = AdminClient.JSON.createObjectNode();
            report.put("api_url", client.target().apiUrl());
            report.set("diagnostics", diagnostics);
            report.set("status", figures);
            output.print(out, report);
            return healthy ? PowerSync.ExitCodes.OK : PowerSync.ExitCodes.FAILED;
        }
        out.println("Instance: " + client.target().apiUrl());
        for (JsonNode connection : diagnostics.path("connections")) {
            out.println("Source " + connection.path("id").asText() + ": " + connection.path("uri").asText() + " - "
                    + (connection.path("connected").asBoolean() ? "connected" : "NOT CONNECTED"));
            connection.path("errors").forEach(e -> out.println("  " + e.path("level").asText() + ": " + e.path("message").asText()));
        }
        printVersion(out, "Active sync config", diagnostics.path("active_sync_rules"));
        printVersion(out, "Deploying sync config", diagnostics.path("deploying_sync_rules"));
        out.println("Buckets: " + figures.path("buckets").asLong() + ", ops: " + figures.path("ops").asLong() + ", storage: "
                + figures.path("storage_bytes").asLong() / 1024 + " KiB");
        out.println("Open streams: " + figures.path("open_streams").asLong());
        out.println("Replication lag: " + (figures.path("replication_lag_ms").isNumber()
                ? figures.path("replication_lag_ms").asLong() + " ms" : "unknown"));
        out.flush();
        return healthy ? PowerSync.ExitCodes.OK : PowerSync.ExitCodes.FAILED;
    }

    private static void printVersion(PrintWriter out, String title, JsonNode version) {
        if (version.isMissingNode()) {
            if (title.startsWith("Active")) {
                out.println(title + ": none (deploy one with 'powersync deploy')");
            }
            return;
        }
        JsonNode connection = version.path("connections").path(0);
        out.println(title + ": version " + version.path("version").asInt() + " (" + version.path("slot_name").asText() + ", "
                + version.path("state").asText().toLowerCase(java.util.Locale.ROOT) + ", from " + version.path("deployed_from").asText()
                + ")");
        out.println("  initial replication done: " + connection.path("initial_replication_done").asBoolean());
        out.println("  last checkpoint: " + connection.path("last_checkpoint").asText("none") + " at "
                + connection.path("last_checkpoint_ts").asText("-"));
        out.println("  last source position: " + connection.path("last_lsn").asText("-"));
        for (JsonNode table : connection.path("tables")) {
            out.println("  table " + table.path("name").asText() + ": key " + table.path("replication_id").toString()
                    + (table.path("data_queries").asBoolean() ? ", data queries" : "")
                    + (table.path("parameter_queries").asBoolean() ? ", parameter queries" : ""));
            table.path("errors").forEach(e -> out.println("    " + e.path("level").asText() + ": " + e.path("message").asText()));
        }
        version.path("errors").forEach(e -> out.println("  " + e.path("level").asText() + ": " + e.path("message").asText()));
    }
}
