package org.syncsuite.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import org.syncsuite.core.config.ConfigIssue;
import org.syncsuite.core.config.SyncConfigCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code powersync deploy}: rolls the project's sync config out to a running instance. It is
 * validated first; {@code --dry-run} stops there and shows the diff against what the instance
 * serves. The new version is built beside the serving one, which serves until it takes over;
 * the command waits for that with a progress bar (or not, with {@code --no-wait}).
 */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {"Deploy the sync config to the instance and wait until it serves.",
            "The version that serves now keeps serving while the new one is built."},
        subcommands = {DeployCommand.SyncConfig.class, DeployCommand.ServiceConfig.class})
final class DeployCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    ProjectOptions options;
    @Mixin
    SyncConfigOptions syncConfig;

    @Option(names = "--dry-run", scope = picocli.CommandLine.ScopeType.INHERIT, description = "Validate and show the diff against the deployed sync config; deploy nothing.")
    boolean dryRun;

    @Option(names = "--skip-validations", scope = picocli.CommandLine.ScopeType.INHERIT, description = "Deploy without validating against the live source schema first.")
    boolean skipValidations;

    @Option(names = "--no-wait", scope = picocli.CommandLine.ScopeType.INHERIT, description = "Return once the new version is stored, without waiting until it serves.")
    boolean noWait;

    @Option(names = "--timeout", scope = picocli.CommandLine.ScopeType.INHERIT, paramLabel = "SECONDS", defaultValue = "600",
            description = "How long to wait for the new version to serve (default: ${DEFAULT-VALUE} s).")
    long timeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
        return deploySyncConfig(spec, options, syncConfig, dryRun, skipValidations, !noWait, timeoutSeconds);
    }

    static int deploySyncConfig(CommandSpec spec, ProjectOptions options, SyncConfigOptions syncConfig, boolean dryRun,
                                boolean skipValidations, boolean wait, long timeoutSeconds) throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Project project = options.project();
        String file = project.syncConfig(syncConfig.file).toString();
        String content = project.readSyncConfig(syncConfig.file);
        AdminClient client = options.client();
        out.println("Target: " + client.target().apiUrl() + " (from " + client.target().foundIn() + ")");
        boolean invalid = false;
        for (ConfigIssue issue : SyncConfigCompiler.validate(file, content, SyncConfigCompiler.Options.DEFAULT)) {
            err.println(file + (issue.line() > 0 ? ":" + issue.line() + ":" + issue.column() : "") + ": "
                    + (issue.isError() ? "error" : "warning") + ": " + issue.message());
            invalid |= issue.isError();
        }
        if (!invalid && !skipValidations) {
            JsonNode live = client.post("/api/admin/v1/validate", AdminClient.JSON.createObjectNode().put("sync_rules", content));
            for (JsonNode error : live.path("errors")) {
                boolean fatal = "fatal".equals(error.path("level").asText());
                err.println(file + (error.has("line") ? ":" + error.get("line").asInt() + ":" + error.get("column").asInt() : "")
                        + ": " + (fatal ? "error" : "warning") + " (live schema): " + error.path("message").asText());
                invalid |= fatal;
            }
        }
        if (invalid) {
            err.println("Not deployed: the sync config has errors.");
            return PowerSync.ExitCodes.FAILED;
        }
        JsonNode current = client.get("/api/sync-rules/v1/current");
        JsonNode serving = current.path("next").isObject() ? current.path("next") : current.path("current");
        String deployed = serving.path("content").asText("");
        String diff = LineDiff.unified(serving.isObject() ? "deployed (version " + serving.path("version").asInt() + ")"
                : "deployed (none)", deployed, file, content);
        if (dryRun) {
            out.print(diff.isEmpty() ? "No changes: the instance has this sync config already.\n" : diff);
            out.println("Dry run: nothing deployed.");
            return PowerSync.ExitCodes.OK;
        }
        if (diff.isEmpty()) {
            out.println("No changes: version " + serving.path("version").asInt() + " holds this sync config already.");
            return PowerSync.ExitCodes.OK;
        }
        JsonNode result = client.postYaml("/api/sync-rules/v1/deploy", content);
        int version = result.path("version").asInt();
        out.println("Deployed as version " + version + " (" + result.path("slot_name").asText() + ").");
        out.flush();
        if (!wait) {
            return PowerSync.ExitCodes.OK;
        }
        return Rollout.await(client, version, Duration.ofSeconds(timeoutSeconds), err) ? PowerSync.ExitCodes.OK
                : PowerSync.ExitCodes.FAILED;
    }

    /** {@code deploy sync-config}: the same as {@code deploy}, with the same options (before or after it). */
    @Command(name = "sync-config", mixinStandardHelpOptions = true, description = "Deploy only the sync config (the same as deploy).")
    static final class SyncConfig implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        DeployCommand parent;

        @Override
        public Integer call() throws InterruptedException {
            return parent.call();
        }
    }

    /** {@code deploy service-config}: the service config is read at start, so it rolls out with the services. */
    @Command(name = "service-config", mixinStandardHelpOptions = true,
            description = "Explain how service.yaml changes roll out (it is read when the services start).")
    static final class ServiceConfig implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("service.yaml is read when the services start: roll it out with the services "
                    + "(helm upgrade with the new values, or 'powersync stack stop' and 'start' for the local stack). "
                    + "Check it first with 'powersync validate --validate-only configuration'.");
            return PowerSync.ExitCodes.FAILED;
        }
    }
}
