package org.syncsuite.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.syncsuite.core.JsonMappers;

/**
 * Calls a running instance's management API ({@code /api/admin/v1}, {@code /api/sync-rules/v1})
 * with its admin token. An error answer becomes a {@link CliException} with the service's
 * description and code; so does an instance that cannot be reached.
 */
final class AdminClient {

    static final ObjectMapper JSON = JsonMappers.builder().build();

    private final Target target;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    AdminClient(Target target) {
        this.target = target;
    }

    Target target() {
        return target;
    }

    /** POSTs a JSON body and returns the answer's {@code data} (or the whole answer when it has none). */
    JsonNode post(String path, JsonNode body, Duration timeout) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    JsonNode post(String path, JsonNode body) {
        return post(path, body, Duration.ofSeconds(60));
    }

    /** POSTs YAML text ({@code application/yaml}). */
    JsonNode postYaml(String path, String yaml) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml)));
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60)).GET());
    }

    private URI uri(String path) {
        try {
            return URI.create(target.apiUrl() + path);
        } catch (IllegalArgumentException e) {
            throw new CliException("Not a URL: " + target.apiUrl() + " (from " + target.foundIn() + ")");
        }
    }

    private JsonNode send(HttpRequest.Builder request) {
        request.header("Authorization", "Bearer " + target.requireKey());
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CliException("Cannot reach " + target.apiUrl() + " (from " + target.foundIn() + "): is it running?", e);
        } catch (IOException e) {
            throw new CliException("Cannot reach " + target.apiUrl() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("Interrupted", e);
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body().isEmpty() ? "{}" : response.body());
        } catch (IOException e) {
            throw new CliException(target.apiUrl() + " answered " + response.statusCode() + " with something that is not JSON: "
                    + abbreviate(response.body()));
        }
        if (response.statusCode() >= 400) {
            JsonNode error = answer.path("error");
            throw new ApiError(response.statusCode(), error.path("code").asText(""), error.path("description")
                    .asText(abbreviate(response.body())), error.path("details"));
        }
        return answer.has("data") ? answer.get("data") : answer;
    }

    private static String abbreviate(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** An error answer of the API: its status, PowerSync error code, description and details. */
    static final class ApiError extends CliException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;
        final transient JsonNode details;

        ApiError(int status, String code, String description, JsonNode details) {
            super(description + (code.isEmpty() ? "" : " (" + code + ", HTTP " + status + ")"));
            this.status = status;
            this.code = code;
            this.details = details;
        }
    }
}
