package org.syncsuite.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A device on the official PowerSync Node SDK ({@code js/device.mjs}), driven through its stdin:
 * writes on and off, and its state read as one JSON line.
 */
final class NodeDevice implements Device {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<Map<String, Object>>> ROWS = new TypeReference<>() {
    };

    private final String name;
    private final String user;
    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

    NodeDevice(String name, String user, Path js, Path folder, String gateway, String backend, String token, String deviceList)
            throws IOException {
        this.name = name;
        this.user = user;
        ProcessBuilder builder = new ProcessBuilder("node", "device.mjs").directory(js.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(folder.resolve(name + ".log").toFile()));
        builder.environment().putAll(Map.of("ENDPOINT", gateway, "TOKEN", token, "BACKEND_URL", backend, "DB_DIR",
                folder.toString(), "NAME", name, "USER_ID", user, "DEVICE_LIST", deviceList));
        process = builder.start();
        commands = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("node-" + name).start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.equals("OK") || line.startsWith("STATE ")) {
                        answers.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
    }

    private synchronized String ask(String command) throws IOException, InterruptedException {
        if (!process.isAlive()) {
            throw new IOException(name + ": the Node client exited with " + process.exitValue() + " (see " + name + ".log)");
        }
        commands.write(command + "\n");
        commands.flush();
        String answer = answers.poll(30, TimeUnit.SECONDS);
        if (answer == null) {
            throw new IOException(name + ": no answer to " + command + " within 30 s");
        }
        return answer;
    }

    private JsonNode state() throws IOException, InterruptedException {
        return JSON.readTree(ask("STATE").substring("STATE ".length()));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public void writing(boolean on) throws IOException, InterruptedException {
        ask("WRITE " + (on ? "on" : "off"));
    }

    @Override
    public Rows rows() throws IOException, InterruptedException {
        JsonNode rows = state().get("rows");
        return new Rows(JSON.convertValue(rows.get("lists"), ROWS), JSON.convertValue(rows.get("todos"), ROWS));
    }

    @Override
    public long pendingUploads() throws IOException, InterruptedException {
        return state().get("pending").asLong();
    }

    @Override
    public Map<String, String> acknowledged() throws IOException, InterruptedException {
        Map<String, String> acknowledged = new HashMap<>();
        state().get("acknowledged").fields().forEachRemaining(e -> acknowledged.put(e.getKey(), e.getValue().asText()));
        return acknowledged;
    }

    @Override
    public List<String> problems() throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        state().get("problems").forEach(p -> problems.add(p.asText()));
        return problems;
    }

    @Override
    public long duplicatesReported() throws IOException, InterruptedException {
        return state().get("duplicates").asLong();
    }

    @Override
    public String status() throws IOException, InterruptedException {
        return state().get("status").asText();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            synchronized (this) {
                commands.write("QUIT\n");
                commands.flush();
            }
        } catch (IOException e) {
            // gone already
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return name + " (" + user + ", official Node client)";
    }
}
