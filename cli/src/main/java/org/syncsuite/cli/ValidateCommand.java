package org.syncsuite.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.syncsuite.core.config.ConfigIssue;
import org.syncsuite.core.config.SyncConfigCompiler;
import org.syncsuite.core.service.ServiceConfigException;
import org.syncsuite.core.service.ServiceConfigReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code powersync validate}: the service config against its schema, the connection to the
 * source, and the sync config, locally and against the live source schema; every problem with
 * its file, line and column.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check service.yaml and the sync config, locally and against the running instance's source schema.",
            "Exit code 0 when valid (warnings allowed), 1 when there are errors."})
final class ValidateCommand implements java.util.concurrent.Callable<Integer> {

    /** What can be checked. */
    enum Check { CONFIGURATION, CONNECTIONS, SYNC_CONFIG }

    @Spec
    CommandSpec spec;
    @Mixin
    ProjectOptions options;
    @Mixin
    SyncConfigOptions syncConfig;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "human", converter = Output.Converter.class,
            description = "human (default), json or yaml.")
    Output output;

    @Option(names = "--skip-validations", paramLabel = "CHECKS", split = ",",
            description = "Checks to skip: configuration, connections, sync-config.")
    List<String> skip = List.of();

    @Option(names = "--validate-only", paramLabel = "CHECKS", split = ",",
            description = "Run only these checks: configuration, connections, sync-config.")
    List<String> only = List.of();

    /** One problem found, where it was found. */
    record Problem(String check, boolean error, String file, int line, int column, String message) {
        String human() {
            String where = file + (line > 0 ? ":" + line + ":" + column : "");
            return where + ": " + (error ? "error" : "warning") + ": " + message;
        }
    }

    @Override
    public Integer call() {
        Set<Check> checks = checks();
        Project project = options.project();
        List<Problem> problems = new ArrayList<>();
        ObjectNode report = AdminClient.JSON.createObjectNode();
        PrintWriter out = spec.commandLine().getOut();
        if (checks.contains(Check.CONFIGURATION)) {
            Path file = project.serviceConfig();
            if (!Files.isRegularFile(file)) {
                problems.add(new Problem("configuration", true, file.toString(), 0, 0, "missing (run 'powersync init self-hosted')"));
            } else {
                try {
                    ServiceConfigReader.read(file);
                } catch (ServiceConfigException e) {
                    e.issues().forEach(issue -> problems.add(problem("configuration", issue, file.toString())));
                }
            }
        }
        String syncText = null;
        Path syncFile = project.syncConfig(syncConfig.file);
        if (checks.contains(Check.SYNC_CONFIG)) {
            syncText = project.readSyncConfig(syncConfig.file);
            for (ConfigIssue issue : SyncConfigCompiler.validate(syncFile.toString(), syncText, SyncConfigCompiler.Options.DEFAULT)) {
                problems.add(problem("sync-config", issue, syncFile.toString()));
            }
        }
        if (checks.contains(Check.CONNECTIONS) || checks.contains(Check.SYNC_CONFIG)) {
            AdminClient client = options.client();
            if (checks.contains(Check.CONNECTIONS)) {
                JsonNode diagnostics = client.post("/api/admin/v1/diagnostics", AdminClient.JSON.createObjectNode());
                report.set("connections", diagnostics.get("connections"));
                for (JsonNode connection : diagnostics.path("connections")) {
                    if (!connection.path("connected").asBoolean()) {
                        String errors = connection.path("errors").findValuesAsText("message").toString();
                        problems.add(new Problem("connections", true, client.target().apiUrl(), 0, 0, "the instance cannot reach "
                                + "its source " + connection.path("uri").asText() + ": " + errors));
                    }
                }
            }
            if (checks.contains(Check.SYNC_CONFIG)) {
                JsonNode live = client.post("/api/admin/v1/validate", AdminClient.JSON.createObjectNode().put("sync_rules", syncText));
                for (JsonNode error : live.path("errors")) {
                    Problem found = new Problem("sync-config (live schema)", "fatal".equals(error.path("level").asText()),
                            syncFile.toString(), error.path("line").asInt(0), error.path("column").asInt(0),
                            error.path("message").asText());
                    boolean known = problems.stream().anyMatch(p -> p.line() == found.line() && p.message().equals(found.message()));
                    if (!known) {
                        problems.add(found);
                    }
                }
                report.set("tables", live.at("/connections/0/tables"));
            }
        }
        boolean valid = problems.stream().noneMatch(Problem::error);
        if (output == Output.HUMAN) {
            problems.forEach(p -> out.println(p.human()));
            long errors = problems.stream().filter(Problem::error).count();
            long warnings = problems.size() - errors;
            out.println((valid ? "Valid" : "Invalid") + ": " + errors + " error(s), " + warnings + " warning(s) ("
                    + String.join(", ", checks.stream().map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList())
                    + " checked)");
        } else {
            report.put("valid", valid);
            ArrayNode list = report.putArray("errors");
            for (Problem p : problems) {
                ObjectNode node = list.addObject().put("check", p.check()).put("level", p.error() ? "fatal" : "warning")
                        .put("file", p.file()).put("message", p.message());
                if (p.line() > 0) {
                    node.put("line", p.line()).put("column", p.column());
                }
            }
            output.print(out, report);
        }
        out.flush();
        return valid ? PowerSync.ExitCodes.OK : PowerSync.ExitCodes.FAILED;
    }

    private static Problem problem(String check, ConfigIssue issue, String file) {
        return new Problem(check, issue.isError(), issue.file() == null || issue.file().isEmpty() ? file : issue.file(),
                issue.line(), issue.column(), issue.message());
    }

    private Set<Check> checks() {
        Set<Check> checks = only.isEmpty() ? EnumSet.allOf(Check.class) : EnumSet.noneOf(Check.class);
        only.forEach(name -> checks.add(check(name)));
        skip.forEach(name -> checks.remove(check(name)));
        return checks;
    }

    private Check check(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "configuration" -> Check.CONFIGURATION;
            case "connections" -> Check.CONNECTIONS;
            case "sync-config", "sync-rules" -> Check.SYNC_CONFIG;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Unknown check '" + name + "': configuration, connections or sync-config");
        };
    }
}
