package org.syncsuite.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.syncsuite.core.BsonReader;
import org.syncsuite.core.protocol.BucketChecksum;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.InclusionReason;
import org.syncsuite.core.protocol.OplogEntry;

/**
 * The connection to the sync gateway: a download loop that holds the sync stream open (and opens
 * it again after a failure, with a backoff of 1 to 30 s and jitter), applies its lines through
 * {@link SyncLocal}, and publishes complete checkpoints; and an upload loop that hands queued
 * writes to the connector (again on a timer after a failure, not only at the next local write),
 * then asks for a write checkpoint, so that downloaded data is applied once it includes them.
 *
 * <p>Two virtual threads; the state they share (the checkpoint being downloaded) is guarded by
 * this object's monitor.
 */
final class SyncClient {

    private static final Logger LOG = Logger.getLogger(SyncClient.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final PowerSyncDatabase database;
    private final SyncLocal local;
    private final PowerSyncBackendConnector connector;
    private final ConnectOptions options;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private volatile boolean stopped;
    private volatile PowerSyncCredentials credentials;
    private volatile InputStream body;
    private Thread download;
    private Thread upload;
    private final Object uploadSignal = new Object();
    // The checkpoint being downloaded, guarded by this.
    private final Map<String, BucketChecksum> target = new LinkedHashMap<>();
    private long targetCheckpoint;
    private OptionalLong targetWrite = OptionalLong.empty();
    private boolean completePending;
    /** The kept subscriptions the open stream was asked for; the stream is reopened when the set changes. */
    private volatile List<Long> sentSubscriptions = List.of();
    private volatile boolean reopening;
    private Thread expiry;
    private final Object expirySignal = new Object();

    SyncClient(PowerSyncDatabase database, PowerSyncBackendConnector connector, ConnectOptions options) {
        this.database = database;
        this.local = new SyncLocal(database);
        this.connector = connector;
        this.options = options;
    }

    void start() {
        database.updateStatus(status -> status.withConnection(false, true));
        download = Thread.ofVirtual().name("powersync-download").start(this::downloadLoop);
        upload = Thread.ofVirtual().name("powersync-upload").start(this::uploadLoop);
        expiry = Thread.ofVirtual().name("powersync-subscription-expiry").start(this::expiryLoop);
    }

    void stop() {
        stopped = true;
        InputStream open = body;
        if (open != null) {
            try {
                open.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        download.interrupt();
        wakeUpload();
        expiry.interrupt();
        try {
            download.join(5000);
            upload.join(5000);
            expiry.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        database.updateStatus(status -> status.withConnection(false, false));
    }

    /** A local write happened: upload soon. */
    void wakeUpload() {
        synchronized (uploadSignal) {
            uploadSignal.notifyAll();
        }
    }

    // ---- stream subscriptions

    /** The kept subscriptions changed; {@code reopen}: send the new set now. */
    void subscriptionsChanged(boolean reopen) {
        if (reopen) {
            reopen();
        }
        synchronized (expirySignal) {
            expirySignal.notifyAll();
        }
    }

    /** Closes the open stream so that the download loop opens it again at once, with the current subscriptions. */
    private void reopen() {
        reopening = true;
        InputStream open = body;
        if (open != null) {
            try {
                open.close();
            } catch (IOException ignored) {
                // the loop sees the stream end
            }
        }
    }

    /** Reopens the stream when a let-go subscription it carries expires, so that its buckets go. */
    private void expiryLoop() {
        while (!stopped) {
            try {
                Optional<Instant> next = database.subscriptions().nextExpiry(sentSubscriptions);
                long wait = next.map(at -> Math.max(1, Duration.between(Instant.now(), at).toMillis())).orElse(60_000L);
                if (next.isPresent() && !next.get().isAfter(Instant.now())) {
                    reopen();
                    wait = 1000;
                }
                synchronized (expirySignal) {
                    expirySignal.wait(Math.min(wait, 60_000L));
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (stopped) {
                    return;
                }
                LOG.log(Level.WARNING, "Checking subscription expiry failed", e);
                sleep(Duration.ofSeconds(5));
            }
        }
    }

    // ---- download

    private void downloadLoop() {
        Duration backoff = MIN_BACKOFF;
        while (!stopped) {
            try {
                iteration();
                backoff = MIN_BACKOFF;
            } catch (Exception e) {
                if (stopped) {
                    break;
                }
                if (reopening) {
                    reopening = false;
                    continue; // closed on purpose, to send a new set of subscriptions
                }
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                LOG.log(Level.FINE, "Sync stream failed, retrying in " + backoff.toMillis() + " ms: " + message, e);
                database.updateStatus(status -> status.withConnection(false, true).withDownloadError(Optional.of(message)));
                sleep(jitter(backoff));
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void iteration() throws Exception {
        PowerSyncCredentials creds = credentials();
        HttpRequest request = HttpRequest.newBuilder(URI.create(creds.endpoint() + "/sync/stream"))
                .header("Authorization", "Token " + creds.token())
                .header("Content-Type", "application/json")
                .header("Accept", options.bson() ? "application/vnd.powersync.bson-stream;q=0.9,application/x-ndjson;q=0.8"
                        : "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(requestBody()))
                .build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            body = in;
            if (reopening) {
                return; // the subscriptions changed while the request was on its way: ask again
            }
            if (response.statusCode() == 401) {
                credentials = null;
                throw new IOException("The gateway refused the token: " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            if (response.statusCode() != 200) {
                throw new IOException("The gateway answered " + response.statusCode() + ": "
                        + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            database.updateStatus(status -> status.withConnection(true, false).withDownloadError(Optional.empty()));
            boolean bson = response.headers().firstValue("content-type").orElse("").equals("application/vnd.powersync.bson-stream");
            LineSource source;
            if (bson) {
                BsonReader reader = new BsonReader(in);
                source = () -> reader.next().map(JsonNode.class::cast).orElse(null);
            } else {
                source = new NdjsonLines(JSON, in)::next;
            }
            pipeline(source, in);
        } finally {
            body = null;
            database.updateStatus(status -> status.withConnection(false, !stopped));
        }
    }

    /** The lines of an open stream, as JSON trees or (data lines) already as chunks; null at its end. */
    @FunctionalInterface
    private interface LineSource {
        Object next() throws IOException;
    }

    private static final Object END = new Object();
    private static final int PIPELINE_DEPTH = 8;
    /**
     * At most this many ops are stored in one local transaction when several lines wait: fewer
     * commits (each writes the pages it touched to the WAL once), and the app's own writes still
     * wait at most a fraction of a second.
     */
    private static final int OPS_PER_TRANSACTION = 10_000;

    /**
     * Reads and decodes lines on this thread while another applies them in order, so that the
     * parsing of one {@code data} line overlaps the local database's work on the one before. A
     * failure on either side ends both; a line that asks for a new stream ends the iteration.
     */
    private void pipeline(LineSource source, InputStream in) throws Exception {
        java.util.concurrent.BlockingQueue<Object> queue = new java.util.concurrent.ArrayBlockingQueue<>(PIPELINE_DEPTH);
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread applier = Thread.ofVirtual().name("powersync-apply").start(() -> {
            try {
                while (true) {
                    Object item = queue.take();
                    if (item == END) {
                        return;
                    }
                    if (item instanceof SyncLocal.PreparedChunk chunk) {
                        // the lines already waiting go into the same local transaction
                        List<SyncLocal.PreparedChunk> chunks = new ArrayList<>(List.of(chunk));
                        int ops = chunk.ops();
                        while (ops < OPS_PER_TRANSACTION && queue.peek() instanceof SyncLocal.PreparedChunk next) {
                            chunks.add(next);
                            ops += next.ops();
                            queue.remove();
                        }
                        apply(chunks);
                    } else if (!handle((JsonNode) item)) {
                        break;
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                failed.set(e);
            }
            done.set(true);
            try {
                in.close(); // the reader stops at once
            } catch (IOException ignored) {
                // stopping anyway
            }
        });
        try {
            for (Object line = source.next(); line != null && !stopped && !done.get(); line = source.next()) {
                // a data line is worked out here, so that the applying thread only writes
                Object item = line instanceof DataChunk chunk ? SyncLocal.prepare(chunk)
                        : line instanceof JsonNode node && node.has("data") ? SyncLocal.prepare(chunk(node.get("data"))) : line;
                while (!queue.offer(item, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    if (done.get() || !applier.isAlive()) {
                        break;
                    }
                }
            }
        } catch (IOException e) {
            if (!done.get()) {
                throw e;
            }
        } finally {
            while (applier.isAlive() && !queue.offer(END, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (stopped) {
                    applier.interrupt();
                }
            }
            applier.join();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
    }

    private String requestBody() {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode buckets = body.putArray("buckets");
        local.bucketPositions().forEach((name, after) -> buckets.addObject().put("name", name).put("after", Long.toString(after)));
        body.put("include_checksum", true).put("raw_data", true).put("client_id", database.clientId());
        body.set("parameters", JSON.valueToTree(options.parameters()));
        ObjectNode streams = body.putObject("streams");
        streams.put("include_defaults", options.includeDefaultStreams());
        ArrayNode subscriptions = streams.putArray("subscriptions");
        for (ConnectOptions.Subscription subscription : options.subscriptions()) {
            ObjectNode s = subscriptions.addObject().put("stream", subscription.stream());
            s.set("parameters", JSON.valueToTree(subscription.parameters()));
            subscription.priority().ifPresentOrElse(p -> s.put("override_priority", p), () -> s.putNull("override_priority"));
        }
        reopening = false;
        List<Long> sent = new ArrayList<>();
        for (StreamSubscriptions.Stored stored : database.subscriptions().forRequest()) {
            ObjectNode s = subscriptions.addObject().put("stream", stored.stream());
            try {
                s.set("parameters", JSON.readTree(stored.parameters()));
            } catch (IOException e) {
                throw new LocalDatabaseException("Unreadable parameters of subscription " + stored.id() + ": " + stored.parameters(), e);
            }
            stored.priority().ifPresentOrElse(p -> s.put("override_priority", p), () -> s.putNull("override_priority"));
            sent.add(stored.id());
        }
        sentSubscriptions = List.copyOf(sent);
        synchronized (expirySignal) {
            expirySignal.notifyAll();
        }
        return body.toString();
    }

    /** Applies one line; false when the stream is to be opened again. */
    private synchronized boolean handle(JsonNode line) {
        if (line.has("checkpoint")) {
            JsonNode checkpoint = line.get("checkpoint");
            target.clear();
            for (JsonNode bucket : checkpoint.path("buckets")) {
                target.put(bucket.get("bucket").asText(), bucketChecksum(bucket));
            }
            targetCheckpoint = Long.parseLong(checkpoint.get("last_op_id").asText());
            targetWrite = writeCheckpoint(checkpoint);
            completePending = false;
            List<String> gone = new ArrayList<>(local.bucketPositions().keySet());
            gone.removeAll(target.keySet());
            local.deleteBuckets(gone);
            startDownload();
        } else if (line.has("checkpoint_diff")) {
            JsonNode diff = line.get("checkpoint_diff");
            for (JsonNode bucket : diff.path("updated_buckets")) {
                target.put(bucket.get("bucket").asText(), bucketChecksum(bucket));
            }
            List<String> removed = new ArrayList<>();
            diff.path("removed_buckets").forEach(name -> removed.add(name.asText()));
            removed.forEach(target::remove);
            local.deleteBuckets(removed);
            targetCheckpoint = Long.parseLong(diff.get("last_op_id").asText());
            targetWrite = writeCheckpoint(diff);
            completePending = false;
            startDownload();
        } else if (line.has("partial_checkpoint_complete")) {
            int priority = line.get("partial_checkpoint_complete").path("priority").asInt();
            List<BucketChecksum> part = target.values().stream().filter(b -> b.priority() <= priority).toList();
            if (!validate(part)) {
                return false;
            }
            if (priority == 0 || local.mayPublish(targetWrite)) {
                local.publish(part.stream().map(BucketChecksum::bucket).toList(), targetCheckpoint, false, priority, targetWrite);
                database.tablesChanged();
            }
        } else if (line.has("checkpoint_complete")) {
            if (!validate(target.values())) {
                return false;
            }
            completePending = true;
            publishIfAllowed();
        } else if (line.has("token_expires_in")) {
            long seconds = line.get("token_expires_in").asLong();
            if (seconds <= 30) {
                credentials = null; // fetched again before the next stream opens
                return false;
            }
        }
        return true;
    }

    /** Stores {@code data} lines' ops, in one local transaction. */
    private synchronized void apply(List<SyncLocal.PreparedChunk> chunks) {
        List<SyncLocal.Chunk> stored = new ArrayList<>(chunks.size());
        int ops = 0;
        for (SyncLocal.PreparedChunk chunk : chunks) {
            BucketChecksum bucket = target.get(chunk.bucket());
            stored.add(new SyncLocal.Chunk(chunk, bucket == null ? 3 : bucket.priority()));
            ops += chunk.ops();
        }
        local.applyChunks(stored);
        int downloaded = ops;
        database.updateStatus(status -> status.withDownload(true, status.downloadedOps() + downloaded, status.totalOps()));
    }

    /** Publishes a complete checkpoint that waited for the upload queue and the write checkpoint. */
    synchronized void publishIfAllowed() {
        if (!completePending || !local.mayPublish(targetWrite)) {
            return;
        }
        local.publish(List.copyOf(target.keySet()), targetCheckpoint, true, 3, targetWrite);
        database.subscriptions().markSynced(sentSubscriptions);
        completePending = false;
        database.updateStatus(status -> status.withSynced(Instant.now()));
        database.tablesChanged();
    }

    private boolean validate(java.util.Collection<BucketChecksum> buckets) {
        List<String> failing = local.failingBuckets(buckets);
        if (failing.isEmpty()) {
            return true;
        }
        LOG.warning("Checksum mismatch in " + failing + ": downloading them again");
        local.deleteBuckets(failing);
        database.updateStatus(status -> status.withDownloadError(Optional.of("Checksum mismatch in " + failing
                + "; downloading them again")));
        return false;
    }

    private void startDownload() {
        long total = target.values().stream().mapToLong(BucketChecksum::count).sum();
        database.updateStatus(status -> status.withDownload(true, 0, total));
    }

    private static OptionalLong writeCheckpoint(JsonNode line) {
        JsonNode write = line.get("write_checkpoint");
        return write == null || write.isNull() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(write.asText()));
    }

    private static BucketChecksum bucketChecksum(JsonNode bucket) {
        List<InclusionReason> reasons = new ArrayList<>();
        for (JsonNode reason : bucket.path("subscriptions")) {
            if (reason.has("default")) {
                reasons.add(new InclusionReason.Default(reason.get("default").asInt()));
            } else if (reason.has("sub")) {
                reasons.add(new InclusionReason.Subscription(reason.get("sub").asInt()));
            }
        }
        return new BucketChecksum(bucket.get("bucket").asText(), bucket.get("checksum").asLong(), bucket.path("count").asLong(),
                bucket.path("priority").asInt(3), reasons);
    }

    private static DataChunk chunk(JsonNode data) {
        List<OplogEntry> ops = new ArrayList<>();
        for (JsonNode op : data.get("data")) {
            long opId = Long.parseLong(op.get("op_id").asText());
            long checksum = op.get("checksum").asLong();
            ops.add(switch (op.get("op").asText()) {
                case "PUT" -> OplogEntry.put(opId, op.get("object_type").asText(), op.get("object_id").asText(),
                        op.path("subkey").asText("null"), checksum, op.get("data").isTextual() ? op.get("data").asText()
                                : op.get("data").toString());
                case "REMOVE" -> OplogEntry.remove(opId, op.get("object_type").asText(), op.get("object_id").asText(),
                        op.path("subkey").asText("null"), checksum);
                case "MOVE" -> OplogEntry.move(opId, checksum);
                case "CLEAR" -> OplogEntry.clear(opId, checksum);
                default -> throw new IllegalArgumentException("Unknown op " + op.get("op"));
            });
        }
        return new DataChunk(data.get("bucket").asText(), Long.parseLong(data.path("after").asText("0")),
                ops.get(ops.size() - 1).opId(), data.path("has_more").asBoolean(), ops);
    }

    // ---- upload

    private void uploadLoop() {
        Duration backoff = MIN_BACKOFF;
        long stuckOn = -1;
        boolean writeCheckpointDue = false;
        while (!stopped) {
            try {
                if (writeCheckpointDue) {
                    // Until the write checkpoint is known, downloaded data waits: asked again until it is.
                    local.setTargetWriteCheckpoint(fetchWriteCheckpoint());
                    writeCheckpointDue = false;
                    publishIfAllowed();
                    database.updateStatus(status -> status.withUpload(false, Optional.empty()));
                    backoff = MIN_BACKOFF;
                    continue;
                }
                Optional<CrudTransaction> next = database.nextCrudTransaction();
                if (next.isEmpty()) {
                    waitForWrite(Duration.ofSeconds(5));
                    continue;
                }
                long first = next.get().crud().get(0).clientId();
                database.updateStatus(status -> status.withUpload(true, status.uploadError()));
                connector.uploadData(database);
                Optional<CrudTransaction> after = database.nextCrudTransaction();
                if (after.isPresent() && after.get().crud().get(0).clientId() == first) {
                    if (stuckOn != first) {
                        LOG.warning("uploadData returned without completing queued write " + first + " of "
                                + after.get().crud().get(0).table() + ": it blocks the queue until completed");
                    }
                    stuckOn = first;
                    throw new IllegalStateException("uploadData did not complete queued write " + first + " ("
                            + after.get().crud().get(0).op() + " " + after.get().crud().get(0).table() + "/"
                            + after.get().crud().get(0).id() + "); later writes wait for it");
                }
                stuckOn = -1;
                writeCheckpointDue = after.isEmpty();
                database.updateStatus(status -> status.withUpload(false, Optional.empty()));
                backoff = MIN_BACKOFF;
            } catch (Exception e) {
                if (stopped) {
                    break;
                }
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                database.updateStatus(status -> status.withUpload(false, Optional.of(message)));
                waitForWrite(jitter(backoff)); // retried on a timer, not only on the next local write
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private long fetchWriteCheckpoint() throws Exception {
        PowerSyncCredentials creds = credentials();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(creds.endpoint() + "/write-checkpoint2.json?client_id="
                        + URLEncoder.encode(database.clientId(), StandardCharsets.UTF_8)))
                .header("Authorization", "Token " + creds.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 401) {
            credentials = null;
        }
        if (response.statusCode() != 200) {
            throw new IOException("The gateway answered " + response.statusCode() + " for a write checkpoint: " + response.body());
        }
        return Long.parseLong(JSON.readTree(response.body()).path("data").path("write_checkpoint").asText());
    }

    private void waitForWrite(Duration at) {
        synchronized (uploadSignal) {
            try {
                uploadSignal.wait(Math.max(1, at.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private PowerSyncCredentials credentials() throws Exception {
        PowerSyncCredentials creds = credentials;
        if (creds == null) {
            creds = connector.fetchCredentials();
            if (creds == null) {
                throw new IllegalStateException("Not signed in: fetchCredentials returned nothing");
            }
            credentials = creds;
        }
        return creds;
    }

    private static Duration jitter(Duration base) {
        return Duration.ofMillis((long) (base.toMillis() * ThreadLocalRandom.current().nextDouble(0.9, 1.1)));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
