package org.syncsuite.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import org.syncsuite.cli.schema.ClientSchemaGenerator;
import org.syncsuite.core.auth.Hs256Tokens;
import org.syncsuite.core.config.SyncConfigCompiler;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code powersync generate token|schema}. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate a development token or a client schema.",
        subcommands = {GenerateCommand.Token.class, GenerateCommand.Schema.class})
final class GenerateCommand {

    /** The file each language's schema goes to by default. */
    static final Map<String, String> DEFAULT_FILES = Map.of("ts", "AppSchema.ts", "js", "AppSchema.js", "java", "AppSchema.java",
            "kotlin", "AppSchema.kt", "dart", "schema.dart", "swift", "Schema.swift", "dotNet", "AppSchema.cs");

    /**
     * {@code generate token --subject}: a development JWT signed locally with the first HS256 key
     * of the project's {@code client_auth}, for the configured audiences.
     */
    @Command(name = "token", mixinStandardHelpOptions = true,
            description = {"Print a development token for a user, signed with the first HS256 key of client_auth in service.yaml.",
                "Development only: anyone with that key can sign any user's token."})
    static final class Token implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ProjectOptions options;
        @Option(names = "--subject", required = true, paramLabel = "USER", description = "The user id (the token's sub).")
        String subject;
        @Option(names = "--expires-in-seconds", paramLabel = "SECONDS", defaultValue = "43200",
                description = "Lifetime (default: ${DEFAULT-VALUE}; at most 86400, as the service accepts).")
        long expiresIn;
        @Option(names = "--kid", paramLabel = "ID", description = "Sign with the HS256 key of this kid instead of the first.")
        Optional<String> kid;

        @Override
        public Integer call() {
            if (expiresIn <= 0 || expiresIn > 86_400) {
                throw new CliException("--expires-in-seconds must be between 1 and 86400: the service refuses tokens that live "
                        + "longer than a day");
            }
            Path file = options.project().serviceConfig();
            if (!Files.isRegularFile(file)) {
                Path stack = Path.of(StackDirectory.DEFAULT_NAME, "service.yaml");
                if (!Files.isRegularFile(stack)) {
                    throw new CliException("No service config at " + file + " (run 'powersync init self-hosted')");
                }
                file = stack;
            }
            ServiceConfig config = ServiceConfigReader.read(file);
            String jwks = config.clientAuth().jwksJson().orElseThrow(() -> new CliException("client_auth of " + config.file()
                    + " lists no keys: add an HS256 key (kty: oct) to sign development tokens"));
            Hs256Tokens.Key key = Hs256Tokens.key(jwks, kid).orElseThrow(() -> new CliException(kid
                    .map(id -> "No HS256 key with kid " + id + " in " + config.file())
                    .orElseGet(() -> "client_auth of " + config.file() + " has no HS256 key (kty: oct) to sign development tokens")));
            PrintWriter out = spec.commandLine().getOut();
            out.println(Hs256Tokens.devToken(key, subject, config.clientAuth().audience(), "powersync-cli", Instant.now(), expiresIn));
            out.flush();
            return PowerSync.ExitCodes.OK;
        }
    }

    /**
     * {@code generate schema --output LANG}: the client-side schema for an SDK, from the sync
     * config (the project's, else the one the instance serves) and the instance's source schema.
     */
    @Command(name = "schema", mixinStandardHelpOptions = true,
            description = "Write the client schema of the sync config's tables, typed from the instance's source schema.")
    static final class Schema implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ProjectOptions options;
        @Mixin
        SyncConfigOptions syncConfig;
        @Option(names = "--output", required = true, paramLabel = "LANG",
                description = "ts, js, java, kotlin, dart, swift or dotNet.")
        String language;
        @Option(names = "--output-path", paramLabel = "FILE",
                description = "Where to write it (default: AppSchema.ts, AppSchema.java, schema.dart ... in the working directory).")
        Optional<Path> outputPath;

        @Override
        public Integer call() {
            String lang = ClientSchemaGenerator.LANGUAGES.stream().filter(l -> l.equalsIgnoreCase(language)).findFirst()
                    .orElseThrow(() -> new CliException("--output must be one of " + ClientSchemaGenerator.LANGUAGES + ", not "
                            + language));
            AdminClient client = options.client();
            Project project = options.project();
            String content;
            String from;
            if (syncConfig.file.isPresent() || Files.isRegularFile(project.syncConfig(Optional.empty()))) {
                content = project.readSyncConfig(syncConfig.file);
                from = project.syncConfig(syncConfig.file).toString();
            } else {
                JsonNode active = client.post("/api/admin/v1/diagnostics", AdminClient.JSON.createObjectNode()
                        .put("sync_rules_content", true)).path("active_sync_rules");
                if (!active.has("content")) {
                    throw new CliException("No sync config: none in " + project.directory() + " and none deployed");
                }
                content = active.get("content").asText();
                from = "the deployed version " + active.path("version").asInt();
            }
            SyncPlan plan = SyncConfigCompiler.compile(from, content);
            JsonNode schema = client.post("/api/admin/v1/schema", AdminClient.JSON.createObjectNode());
            String code = ClientSchemaGenerator.generate(lang, plan, schema);
            Path target = outputPath.orElse(Path.of(DEFAULT_FILES.get(lang)));
            try {
                if (target.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(target.toAbsolutePath().getParent());
                }
                Files.writeString(target, code, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CliException("Could not write " + target + ": " + e.getMessage(), e);
            }
            spec.commandLine().getOut().println("Wrote the " + lang + " schema of " + from + " to " + target);
            return PowerSync.ExitCodes.OK;
        }
    }
}
