package org.syncsuite.cli;

import java.io.PrintWriter;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Waits for a deployed sync config version to take over, with a progress bar: the new version is
 * built by replaying the changes topic, so its progress is its position in the topic against the
 * serving version's. Polls {@code GET /api/sync-rules/v1/current}, which reads bucket storage only.
 */
final class Rollout {

    private Rollout() {
    }

    /**
     * Waits until {@code version} serves; false when it was replaced or stopped before it did, or
     * when {@code timeout} passed first.
     */
    static boolean await(AdminClient client, int version, Duration timeout, PrintWriter err) throws InterruptedException {
        Progress progress = new Progress(err, "Building version " + version);
        long deadline = System.nanoTime() + timeout.toNanos();
        int missing = 0;
        while (System.nanoTime() < deadline) {
            JsonNode current = client.get("/api/sync-rules/v1/current");
            JsonNode active = current.path("current");
            JsonNode next = current.path("next");
            int activeVersion = active.path("version").asInt(0);
            int nextVersion = next.path("version").asInt(0);
            if (activeVersion == version) {
                progress.done("active");
                return true;
            }
            if (activeVersion > version || nextVersion > version) {
                progress.done("replaced by version " + Math.max(activeVersion, nextVersion) + " before it served");
                return false;
            }
            if (nextVersion == version) {
                missing = 0;
                long done = next.path("changes_offset").asLong(0);
                long total = activeVersion == 0 ? -1 : active.path("changes_offset").asLong(-1);
                String error = next.path("last_fatal_error").isTextual() ? "(" + next.get("last_fatal_error").asText() + ")" : "";
                progress.update(done, total, (total > 0 ? done + " of " + total + " changes " : done + " changes ") + error);
            } else if (++missing >= 2) {
                progress.done("stopped before it served (another deploy or reprocess replaced it)");
                return false;
            }
            Thread.sleep(1000);
        }
        progress.done("still building after " + timeout.toSeconds() + " s; it goes on in the background ('powersync status')");
        return false;
    }
}
