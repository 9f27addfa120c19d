package org.syncsuite.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.syncsuite.client.Column;
import org.syncsuite.client.CrudEntry;
import org.syncsuite.client.CrudTransaction;
import org.syncsuite.client.PowerSyncBackendConnector;
import org.syncsuite.client.PowerSyncCredentials;
import org.syncsuite.client.PowerSyncDatabase;
import org.syncsuite.client.Schema;
import org.syncsuite.client.Table;
import org.syncsuite.client.attachments.AttachmentTable;

/**
 * A device running our Java client as one user: it syncs, and while writing is on it adds todos
 * to its user's device list and edits the ones it added, a local transaction every few hundred
 * milliseconds, uploaded by its connector to the demo backend (through a proxy that can lose
 * answers) with its client id and each entry's op id. It remembers what the backend acknowledged:
 * each todo's last acknowledged description.
 */
final class JavaDevice implements Device {

    static final Schema SCHEMA = Schema.of(
            Table.of("lists", Column.text("created_at"), Column.text("name"), Column.text("owner_id")),
            Table.of("todos", Column.text("created_at"), Column.text("completed_at"), Column.text("description"),
                    Column.integer("completed"), Column.text("created_by"), Column.text("completed_by"),
                    Column.text("list_id"), Column.text("photo_id")),
            AttachmentTable.create());

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String user;
    private final String deviceList;
    private final PowerSyncDatabase db;
    private final String gateway;
    private final String backend;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final AtomicLong duplicatesReported = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Random random;
    private final List<String> mine = new ArrayList<>();
    private final Thread writer;
    private int sequence;

    JavaDevice(String name, String user, String deviceList, Path folder, String gateway, String backend, String token) {
        this.name = name;
        this.user = user;
        this.deviceList = deviceList;
        this.gateway = gateway;
        this.backend = backend;
        this.token = token;
        this.random = new Random(name.hashCode());
        this.db = PowerSyncDatabase.open(folder.resolve(name + ".db"), SCHEMA);
        db.addStatusListener(status -> status.downloadError().filter(e -> e.toLowerCase(java.util.Locale.ROOT).contains("checksum"))
                .ifPresent(e -> problems.add("checksum: " + e)));
        this.writer = Thread.ofPlatform().daemon().name("device-" + name).start(this::writeLoop);
    }

    void connect() {
        db.connect(connector());
    }

    PowerSyncDatabase database() {
        return db;
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
    public void writing(boolean on) {
        writing.set(on);
    }

    @Override
    public Rows rows() {
        return new Rows(db.getAll("SELECT id, name, owner_id FROM lists ORDER BY id"),
                db.getAll("SELECT id, list_id, description, completed FROM todos ORDER BY id"));
    }

    @Override
    public long pendingUploads() {
        return db.uploadQueueSize();
    }

    @Override
    public Map<String, String> acknowledged() {
        return Map.copyOf(acknowledged);
    }

    @Override
    public List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public long duplicatesReported() {
        return duplicatesReported.get();
    }

    @Override
    public String status() {
        return db.currentStatus().toString();
    }

    private void writeLoop() {
        while (!closed.get()) {
            try {
                Thread.sleep(150 + random.nextInt(200));
                if (!writing.get()) {
                    continue;
                }
                sequence++;
                if (mine.size() < 5 || random.nextInt(3) == 0) {
                    String id = name + "-" + sequence;
                    db.execute("INSERT INTO todos (id, list_id, description, completed, created_by) VALUES (?, ?, ?, 0, ?)", id,
                            deviceList, "w " + name + " " + sequence, user);
                    mine.add(id);
                } else {
                    String id = mine.get(random.nextInt(mine.size()));
                    db.writeTransaction(tx -> {
                        tx.execute("UPDATE todos SET description = ? WHERE id = ?", "w " + name + " " + sequence, id);
                        // Two rows in one transaction: uploaded together or not at all.
                        String other = mine.get(random.nextInt(mine.size()));
                        tx.execute("UPDATE todos SET completed = 1 - completed WHERE id = ?", other);
                        return null;
                    });
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed.get()) {
                    problems.add("local write failed: " + e);
                }
            }
        }
    }

    /** Credentials for the gateway; uploads one transaction at a time with its client and op ids. */
    private PowerSyncBackendConnector connector() {
        return new PowerSyncBackendConnector() {
            @Override
            public PowerSyncCredentials fetchCredentials() {
                return new PowerSyncCredentials(gateway, token);
            }

            @Override
            public void uploadData(PowerSyncDatabase database) throws Exception {
                Optional<CrudTransaction> transaction = database.nextCrudTransaction();
                if (transaction.isEmpty()) {
                    return;
                }
                ObjectNode body = JSON.createObjectNode().put("client_id", database.clientId());
                ArrayNode batch = body.putArray("batch");
                for (CrudEntry entry : transaction.get().crud()) {
                    batch.add(JSON.valueToTree(entry.toJson()));
                }
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(backend + "/api/data"))
                        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 != 2) {
                    throw new IOException("The backend answered " + response.statusCode() + ": " + response.body());
                }
                JsonNode result = JSON.readTree(response.body());
                for (JsonNode refused : result.path("rejected")) {
                    problems.add("refused: " + refused);
                }
                duplicatesReported.addAndGet(result.path("duplicates").asLong());
                transaction.get().complete();
                for (CrudEntry entry : transaction.get().crud()) {
                    entry.opData().map(data -> data.get("description")).ifPresent(d -> acknowledged.put(entry.id(), d.toString()));
                }
            }
        };
    }

    @Override
    public void close() throws InterruptedException {
        closed.set(true);
        writer.interrupt();
        writer.join(5_000);
        db.close();
    }

    @Override
    public String toString() {
        return name + " (" + user + ")";
    }
}
