package org.syncsuite.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The running instance a command talks to, and how it was found. In order: {@code --api-url}
 * (or the {@code API_URL} variable); the project's {@code cli.yaml} ({@code api_url},
 * {@code api_key}); a local stack started from this working directory ({@code .powersync/}: its
 * gateway port and admin token). The API key comes from {@code cli.yaml}, else the
 * {@code PS_ADMIN_TOKEN} variable, else the local stack's {@code admin-token}.
 */
record Target(String apiUrl, Optional<String> apiKey, String foundIn) {

    static Target resolve(Optional<String> apiUrlFlag, Project project) {
        Map<String, Object> cli = project.cliYaml();
        Optional<Properties> stack = localStack();
        Optional<String> key = text(cli.get("api_key")).or(() -> env("PS_ADMIN_TOKEN")).or(Target::localStackToken);
        if (apiUrlFlag.isPresent()) {
            return new Target(trim(apiUrlFlag.get()), key, "--api-url");
        }
        Optional<String> fromEnv = env("API_URL");
        if (fromEnv.isPresent()) {
            return new Target(trim(fromEnv.get()), key, "API_URL");
        }
        Optional<String> fromCli = text(cli.get("api_url"));
        if (fromCli.isPresent()) {
            return new Target(trim(fromCli.get()), key, project.cliConfig().toString());
        }
        if (stack.isPresent() && stack.get().getProperty("gateway.port") != null) {
            return new Target("http://127.0.0.1:" + stack.get().getProperty("gateway.port"), key,
                    "the local stack (" + StackDirectory.DEFAULT_NAME + "/)");
        }
        throw new CliException("No instance to talk to: pass --api-url, set API_URL, run 'powersync link self-hosted "
                + "--api-url URL', or start a local stack here with 'powersync stack start'");
    }

    /** The API key, or an error that says how to give one. */
    String requireKey() {
        return apiKey.orElseThrow(() -> new CliException("No admin API token for " + apiUrl + ": set PS_ADMIN_TOKEN (one of "
                + "the instance's api.tokens) or api_key in cli.yaml"));
    }

    private static String trim(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static Optional<String> text(Object value) {
        return value instanceof String s && !s.isBlank() ? Optional.of(s.strip()) : Optional.empty();
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank());
    }

    /** The state of a running local stack in the working directory. */
    static Optional<Properties> localStack() {
        Path state = Path.of(StackDirectory.DEFAULT_NAME, "stack.properties");
        if (!Files.isRegularFile(state)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(state)) {
            properties.load(in);
            return Optional.of(properties);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> localStackToken() {
        Path token = Path.of(StackDirectory.DEFAULT_NAME, "admin-token");
        try {
            return Files.isRegularFile(token) ? Optional.of(Files.readString(token, StandardCharsets.US_ASCII).strip())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
