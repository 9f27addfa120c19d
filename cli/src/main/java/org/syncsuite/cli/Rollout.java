package org.syncsuite.cli;

import java.io.PrintWriter;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Waits for a deployed sync config version to take over, with a progress bar: the new version is
 * built by replaying the changes topic, so its progress is its position in the topic against the
 * serving version's.
 */
final class Rollout {

    private Rollout() {
    }

    /** Waits until {@code version} is the active one; false when {@code timeout} passed first. */
    static boolean await(AdminClient client, int version, Duration timeout, PrintWriter err) throws InterruptedException {
        Progress progress = new Progress(err, "Building version " + version);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode diagnostics = client.post("/api/admin/v1/diagnostics", AdminClient.JSON.createObjectNode());
            JsonNode active = diagnostics.path("active_sync_rules");
            JsonNode deploying = diagnostics.path("deploying_sync_rules");
            if (active.path("version").asInt() >= version && deploying.path("version").asInt() != version) {
                if (active.path("version").asInt() == version) {
                    progress.done("active");
                    return true;
                }
                progress.done("replaced by version " + active.path("version").asInt() + " before it took over");
                return true;
            }
            if (deploying.path("version").asInt() == version) {
                long done = deploying.at("/connections/0/changes_offset").asLong(0);
                long total = active.isMissingNode() ? -1 : active.at("/connections/0/changes_offset").asLong(-1);
                String errors = deploying.path("errors").findValuesAsText("message").stream().findFirst().map(e -> "(" + e + ")")
                        .orElse("");
                progress.update(done, total, (total > 0 ? done + " of " + total + " changes " : done + " changes ") + errors);
            } else if (deploying.isMissingNode() && active.path("version").asInt() < version) {
                progress.update(0, -1, "waiting for the writer");
            }
            Thread.sleep(500);
        }
        progress.done("still building after " + timeout.toSeconds() + " s; it goes on in the background ('powersync status')");
        return false;
    }
}
