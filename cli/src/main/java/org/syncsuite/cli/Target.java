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
 * The running instance a command talks to, and how it was found. In order: {@code --api-url};
 * the project's {@code cli.yaml} ({@code api_url}, {@code api_key}); the {@code API_URL}
 * variable; a local stack started from this working directory ({@code .powersync/}: its gateway
 * port and admin token). The admin token is {@code PS_ADMIN_TOKEN} when set, else the one that
 * belongs to the URL: {@code api_key} of {@code cli.yaml} for its {@code api_url}, the local
 * stack's for the stack. A token is never sent to another instance.
 */
record Target(String apiUrl, Optional<String> apiKey, String foundIn) {

    static Target resolve(Optional<String> apiUrlFlag, Project project) {
        Map<String, Object> cli = project.cliYaml();
        Optional<String> cliUrl = text(cli.get("api_url")).map(Target::trim);
        Optional<String> cliKey = text(cli.get("api_key"));
        Optional<String> envKey = env("PS_ADMIN_TOKEN");
        Optional<String> stackUrl = localStack().map(state -> state.getProperty("gateway.port"))
                .map(port -> "http://127.0.0.1:" + port);
        // The key goes only to the instance it belongs to: cli.yaml's to cli.yaml's URL, the stack's to the stack.
        if (apiUrlFlag.isPresent()) {
            String url = trim(apiUrlFlag.get());
            return new Target(url, keyFor(url, cliUrl, cliKey, envKey, stackUrl), "--api-url");
        }
        if (cliUrl.isPresent()) {
            return new Target(cliUrl.get(), cliKey.or(() -> envKey), project.cliConfig().toString());
        }
        Optional<String> fromEnv = env("API_URL").map(Target::trim);
        if (fromEnv.isPresent()) {
            return new Target(fromEnv.get(), keyFor(fromEnv.get(), cliUrl, cliKey, envKey, stackUrl), "API_URL");
        }
        if (stackUrl.isPresent()) {
            return new Target(stackUrl.get(), envKey.or(Target::localStackToken),
                    "the local stack (" + StackDirectory.DEFAULT_NAME + "/)");
        }
        throw new CliException("No instance to talk to: pass --api-url, set API_URL, run 'powersync link self-hosted "
                + "--api-url URL', or start a local stack here with 'powersync stack start'");
    }

    private static Optional<String> keyFor(String url, Optional<String> cliUrl, Optional<String> cliKey, Optional<String> envKey,
                                           Optional<String> stackUrl) {
        if (envKey.isPresent()) {
            return envKey;
        }
        if (cliUrl.isPresent() && cliUrl.get().equals(url)) {
            return cliKey;
        }
        if (stackUrl.isPresent() && (stackUrl.get().equals(url) || url.equals(stackUrl.get().replace("127.0.0.1", "localhost")))) {
            return localStackToken();
        }
        return Optional.empty();
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
