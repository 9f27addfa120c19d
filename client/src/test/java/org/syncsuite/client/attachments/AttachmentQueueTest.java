package org.syncsuite.client.attachments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.client.Column;
import org.syncsuite.client.PowerSyncDatabase;
import org.syncsuite.client.Schema;
import org.syncsuite.client.Table;

/** The attachment queue against a real SQLite database and an in-memory remote storage that fails and blocks on demand. */
class AttachmentQueueTest {

    private static final Schema SCHEMA = Schema.of(Table.of("todos", Column.text("description"), Column.text("photo_id")),
            AttachmentTable.create());
    private static final String WATCHED = "SELECT photo_id AS id, 'jpg' AS file_extension FROM todos WHERE photo_id IS NOT NULL";

    @TempDir
    Path dir;

    private PowerSyncDatabase db;
    private FakeRemoteStorage remote;
    private AttachmentQueue queue;

    @BeforeEach
    void open() {
        db = PowerSyncDatabase.open(dir.resolve("app.db"), SCHEMA);
        remote = new FakeRemoteStorage();
    }

    @AfterEach
    void close() {
        if (queue != null) {
            assertThat(queue.stop(Duration.ofSeconds(5))).as("the queue's threads ended").isTrue();
        }
        db.close();
    }

    private AttachmentQueue.Builder builder() {
        return AttachmentQueue.builder(db, remote).storageDirectory(files()).watchedAttachments(WATCHED)
                .syncInterval(Duration.ZERO).retryBackoff(Duration.ofMillis(50), Duration.ofSeconds(1));
    }

    private Path files() {
        return dir.resolve("files");
    }

    @Test
    void aSavedFileIsUploadedWithItsWholeRecordAndBecomesSynced() throws Exception {
        queue = builder().build();
        queue.start();
        byte[] bytes = randomBytes(10_000);

        Attachment saved = queue.saveFile(bytes, "image/jpeg", "jpg", "{\"caption\":\"milk\"}",
                (tx, a) -> tx.execute("INSERT INTO todos (id, description, photo_id) VALUES ('t1', 'Milk', ?)", a.id()));

        assertThat(UUID.fromString(saved.id())).isNotNull();
        assertThat(saved.filename()).isEqualTo(saved.id() + ".jpg");
        assertThat(saved.state()).isEqualTo(AttachmentState.QUEUED_UPLOAD);
        assertThat(saved.size()).isEqualTo(bytes.length);
        assertThat(Path.of(saved.localUri())).isEqualTo(files().resolve(saved.id() + ".jpg").toAbsolutePath());
        assertThat(Files.readAllBytes(Path.of(saved.localUri()))).isEqualTo(bytes);

        Rows.awaitState(db, saved.id(), AttachmentState.SYNCED);
        assertThat(queue.awaitIdle(Duration.ofSeconds(5))).isTrue();
        Attachment synced = queue.getAttachment(saved.id()).orElseThrow();
        assertThat(synced.state()).as("still referenced, so not archived").isEqualTo(AttachmentState.SYNCED);
        assertThat(synced.hasSynced()).isTrue();
        assertThat(synced.localUri()).isEqualTo(saved.localUri());
        assertThat(remote.files.get(saved.id())).isEqualTo(bytes);
        Attachment sent = remote.calls("upload").get(0).attachment();
        assertThat(sent.metaData()).isEqualTo("{\"caption\":\"milk\"}");
        assertThat(sent.mediaType()).isEqualTo("image/jpeg");
        assertThat(sent.filename()).isEqualTo(saved.filename());
        assertThat(remote.calls("upload")).hasSize(1);

        AttachmentQueueStatus status = queue.currentStatus();
        assertThat(status.running()).isTrue();
        assertThat(status.count(AttachmentState.SYNCED)).isEqualTo(1);
        assertThat(status.pending()).isZero();
        assertThat(status.errors()).isEmpty();
    }

    @Test
    void aFailingUpdateHookLeavesNeitherRecordNorFile() {
        queue = builder().build();
        byte[] bytes = randomBytes(100);

        assertThatThrownBy(() -> queue.saveFile("a1", new ByteArrayInputStream(bytes), "image/jpeg", "jpg", null, (tx, a) -> {
            tx.execute("INSERT INTO todos (id, description, photo_id) VALUES ('t1', 'Milk', ?)", a.id());
            throw new IllegalStateException("the app changed its mind");
        })).hasMessage("the app changed its mind");

        assertThat(queue.getAttachment("a1")).isEmpty();
        assertThat(db.getAll("SELECT id FROM todos")).isEmpty();
        assertThat(files().resolve("a1.jpg")).doesNotExist();
    }

    @Test
    void aRetryableUploadFailureIsRetriedWithAGrowingBackoffUntilItPasses() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        remote.uploadFailure = a -> attempts.incrementAndGet() <= 3 ? FakeRemoteStorage.unavailable() : null;
        queue = builder().retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(10)).build();
        queue.start();

        Attachment saved = queue.saveFile(randomBytes(500), "image/jpeg", "jpg", null, reference("t1"));
        assertThat(remote.started.tryAcquire(2, 5, TimeUnit.SECONDS)).as("a second attempt").isTrue();
        AttachmentError error = queue.lastError(saved.id()).orElseThrow();
        assertThat(error.operation()).isEqualTo(AttachmentError.Operation.UPLOAD);
        assertThat(error.willRetry()).isTrue();
        assertThat(error.message()).contains("503");
        assertThat(((RemoteStorageException) error.error()).retryable()).isTrue();

        Rows.awaitState(db, saved.id(), AttachmentState.SYNCED);
        List<FakeRemoteStorage.Call> calls = remote.calls("upload");
        assertThat(calls).hasSize(4);
        // each backoff is 50-100 % of 100 ms doubled per failure
        assertThat(millisBetween(calls.get(0), calls.get(1))).isGreaterThanOrEqualTo(50);
        assertThat(millisBetween(calls.get(1), calls.get(2))).isGreaterThanOrEqualTo(100);
        assertThat(millisBetween(calls.get(2), calls.get(3))).isGreaterThanOrEqualTo(200);
        assertThat(queue.lastError(saved.id())).as("cleared by the success").isEmpty();
        assertThat(remote.files).containsKey(saved.id());
    }

    @Test
    void aPermanentUploadErrorArchivesTheAttachmentUntilItIsReferencedAgain() throws Exception {
        remote.uploadFailure = a -> FakeRemoteStorage.conflict();
        remote.files.put("n1", randomBytes(10));
        remote.files.put("n2", randomBytes(10));
        queue = builder().build();
        queue.start();

        Attachment saved = queue.saveFile(randomBytes(500), "image/jpeg", "jpg", null, reference("t1"));
        Rows.awaitState(db, saved.id(), AttachmentState.ARCHIVED);
        AttachmentError error = queue.lastError(saved.id()).orElseThrow();
        assertThat(error.willRetry()).isFalse();
        assertThat(error.attempts()).isEqualTo(1);
        assertThat(((RemoteStorageException) error.error()).status()).isEqualTo(409);

        // another reference to it (and a new download, to know the change was handled): it stays archived
        db.execute("INSERT INTO todos (id, photo_id) VALUES ('t2', ?), ('t3', 'n1')", saved.id());
        Rows.awaitState(db, "n1", AttachmentState.SYNCED);
        assertThat(queue.getAttachment(saved.id()).orElseThrow().state()).isEqualTo(AttachmentState.ARCHIVED);
        assertThat(remote.calls("upload")).hasSize(1);

        // no longer referenced, then referenced again: the file never synced, so it is uploaded again
        remote.uploadFailure = a -> null;
        db.execute("UPDATE todos SET photo_id = 'n2' WHERE photo_id = ?", saved.id());
        Rows.awaitState(db, "n2", AttachmentState.SYNCED);
        db.execute("UPDATE todos SET photo_id = ? WHERE id = 't1'", saved.id());
        Rows.awaitState(db, saved.id(), AttachmentState.SYNCED);
        assertThat(remote.calls("upload")).hasSize(2);
        assertThat(queue.getAttachment(saved.id()).orElseThrow().hasSynced()).isTrue();
    }

    @Test
    void referencedIdsAreDownloadedIntoLocalFiles() throws Exception {
        byte[] photo1 = randomBytes(200_000);
        byte[] photo2 = randomBytes(1_000);
        remote.files.put("p1", photo1);
        remote.files.put("p2", photo2);
        queue = builder().build();
        queue.start();

        db.execute("INSERT INTO todos (id, description, photo_id) VALUES ('t1', 'a', 'p1'), ('t2', 'b', 'p2'), ('t3', 'c', NULL)");

        Rows.awaitState(db, "p1", AttachmentState.SYNCED);
        Rows.awaitState(db, "p2", AttachmentState.SYNCED);
        for (Map.Entry<String, byte[]> expected : Map.of("p1", photo1, "p2", photo2).entrySet()) {
            Attachment attachment = queue.getAttachment(expected.getKey()).orElseThrow();
            assertThat(attachment.filename()).isEqualTo(expected.getKey() + ".jpg");
            assertThat(Path.of(attachment.localUri())).isEqualTo(files().resolve(expected.getKey() + ".jpg").toAbsolutePath());
            assertThat(attachment.size()).isEqualTo(expected.getValue().length);
            assertThat(attachment.mediaType()).isEqualTo("image/jpeg");
            assertThat(attachment.hasSynced()).isTrue();
            assertThat(sha256(Files.readAllBytes(Path.of(attachment.localUri())))).isEqualTo(sha256(expected.getValue()));
        }
        assertThat(remote.calls("download")).hasSize(2);
        assertThat(queue.attachments()).hasSize(2);
    }

    @Test
    void withDownloadsOffReferencedIdsGetNoRecord() throws Exception {
        remote.files.put("p1", randomBytes(10));
        queue = builder().downloadAttachments(false).build();
        queue.start();
        db.execute("INSERT INTO todos (id, photo_id) VALUES ('t1', 'p1')");

        Attachment saved = queue.saveFile(randomBytes(10), "image/jpeg", "jpg", null, reference("t2"));
        Rows.awaitState(db, saved.id(), AttachmentState.SYNCED);
        assertThat(queue.awaitIdle(Duration.ofSeconds(5))).isTrue();

        assertThat(queue.getAttachment("p1")).isEmpty();
        assertThat(remote.calls("download")).isEmpty();
    }

    @Test
    void unreferencedAttachmentsAreArchivedAndTheCacheEvictsTheOldest() throws Exception {
        for (String id : List.of("p1", "p2", "p3", "p4")) {
            remote.files.put(id, randomBytes(100));
            db.execute("INSERT INTO todos (id, photo_id) VALUES (?, ?)", "t" + id, id);
        }
        queue = builder().archivedCacheLimit(2).clock(new TickingClock()).build();
        queue.start();
        Rows.await(db, Duration.ofSeconds(5), rows -> ((Number) rows.get(0).get("n")).intValue() == 4,
                "SELECT COUNT(*) AS n FROM attachments WHERE state = 3");
        Path file1 = Path.of(queue.getAttachment("p1").orElseThrow().localUri());

        for (String id : List.of("p1", "p2", "p3")) {
            db.execute("UPDATE todos SET photo_id = NULL WHERE photo_id = ?", id);
            if (!id.equals("p3")) {
                Rows.awaitState(db, id, AttachmentState.ARCHIVED);
            }
        }
        Rows.awaitGone(db, "p1");
        assertThat(queue.awaitIdle(Duration.ofSeconds(5))).isTrue();
        assertThat(file1).as("evicted with its record").doesNotExist();
        for (String id : List.of("p2", "p3")) {
            Attachment archived = queue.getAttachment(id).orElseThrow();
            assertThat(archived.state()).isEqualTo(AttachmentState.ARCHIVED);
            assertThat(Path.of(archived.localUri())).exists();
        }
        assertThat(queue.getAttachment("p4").orElseThrow().state()).isEqualTo(AttachmentState.SYNCED);

        // referenced again: restored from its local file, nothing downloaded
        db.execute("UPDATE todos SET photo_id = 'p2' WHERE id = 'tp2'");
        Rows.awaitState(db, "p2", AttachmentState.SYNCED);
        assertThat(remote.calls("download")).hasSize(4);
    }

    @Test
    void deleteFileDeletesTheRemoteAndLocalFileAndTheRecord() throws Exception {
        queue = builder().build();
        queue.start();
        Attachment saved = queue.saveFile(randomBytes(300), "image/png", "png", "{\"w\":3}", reference("t1"));
        Rows.awaitState(db, saved.id(), AttachmentState.SYNCED);
        assertThat(remote.files).containsKey(saved.id());

        Attachment deleting = queue.deleteFile(saved.id(), (tx, a) -> tx.execute("UPDATE todos SET photo_id = NULL WHERE id = 't1'"));
        assertThat(deleting.state()).isEqualTo(AttachmentState.QUEUED_DELETE);

        Rows.awaitGone(db, saved.id());
        assertThat(remote.files).doesNotContainKey(saved.id());
        assertThat(Path.of(saved.localUri())).doesNotExist();
        Attachment sent = remote.calls("delete").get(0).attachment();
        assertThat(sent.id()).isEqualTo(saved.id());
        assertThat(sent.metaData()).isEqualTo("{\"w\":3}");
        assertThat(db.get("SELECT photo_id FROM todos WHERE id = 't1'").get("photo_id")).isNull();
        assertThatThrownBy(() -> queue.deleteFile("nope", null)).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void saveFileIsNotBlockedByASlowUploadInFlight() throws Exception {
        remote.uploadGate = new CountDownLatch(1);
        queue = builder().uploadParallelism(1).build();
        queue.start();
        Attachment first = queue.saveFile(randomBytes(1_000), "image/jpeg", "jpg", null, reference("t1"));
        assertThat(remote.started.tryAcquire(5, TimeUnit.SECONDS)).as("the first upload is in flight").isTrue();

        long start = System.nanoTime();
        Attachment second = assertTimeoutPreemptively(Duration.ofSeconds(3),
                () -> queue.saveFile(randomBytes(1_000), "image/jpeg", "jpg", null, reference("t2")));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));

        assertThat(queue.getAttachment(second.id()).orElseThrow().state()).isEqualTo(AttachmentState.QUEUED_UPLOAD);
        assertThat(queue.getAttachment(first.id()).orElseThrow().state()).isEqualTo(AttachmentState.QUEUED_UPLOAD);
        assertThat(queue.currentStatus().uploading()).isEqualTo(1);
        assertThat(remote.calls("upload")).hasSize(1);

        remote.uploadGate.countDown();
        Rows.awaitState(db, first.id(), AttachmentState.SYNCED);
        Rows.awaitState(db, second.id(), AttachmentState.SYNCED);
    }

    @Test
    void transfersNeverExceedTheirParallelism() throws Exception {
        remote.delay = Duration.ofMillis(60);
        queue = builder().uploadParallelism(2).downloadParallelism(3).build();
        for (int i = 0; i < 8; i++) {
            queue.saveFile(randomBytes(100), "image/jpeg", "jpg", null, reference("u" + i));
        }
        for (int i = 0; i < 9; i++) {
            remote.files.put("d" + i, randomBytes(100));
            db.execute("INSERT INTO todos (id, photo_id) VALUES (?, ?)", "td" + i, "d" + i);
        }

        queue.start();
        Rows.await(db, Duration.ofSeconds(10), rows -> ((Number) rows.get(0).get("n")).intValue() == 17,
                "SELECT COUNT(*) AS n FROM attachments WHERE state = 3");

        assertThat(remote.calls("upload")).hasSize(8);
        assertThat(remote.calls("download")).hasSize(9);
        assertThat(remote.max("upload")).isEqualTo(2);
        assertThat(remote.max("download")).isEqualTo(3);
    }

    @Test
    void verifyAttachmentsRepairsRecordsAgainstLocalStorage() throws Exception {
        queue = builder().build();
        Files.createDirectories(files());
        Files.write(files().resolve("moved.jpg"), randomBytes(10));
        Files.write(files().resolve("fine.jpg"), randomBytes(10));
        insertRecord("gone", AttachmentState.SYNCED, files().resolve("gone.jpg"), true);
        insertRecord("lost", AttachmentState.QUEUED_UPLOAD, files().resolve("lost.jpg"), false);
        insertRecord("moved", AttachmentState.SYNCED, dir.resolve("old-place").resolve("moved.jpg"), true);
        insertRecord("fine", AttachmentState.SYNCED, files().resolve("fine.jpg"), true);

        assertThat(queue.verifyAttachments()).isEqualTo(3);

        Attachment gone = queue.getAttachment("gone").orElseThrow();
        assertThat(gone.state()).isEqualTo(AttachmentState.QUEUED_DOWNLOAD);
        assertThat(gone.localUri()).isNull();
        assertThat(queue.getAttachment("lost").orElseThrow().state()).isEqualTo(AttachmentState.ARCHIVED);
        assertThat(queue.lastError("lost").orElseThrow().operation()).isEqualTo(AttachmentError.Operation.UPLOAD);
        Attachment moved = queue.getAttachment("moved").orElseThrow();
        assertThat(moved.state()).isEqualTo(AttachmentState.SYNCED);
        assertThat(moved.localUri()).isEqualTo(files().resolve("moved.jpg").toAbsolutePath().toString());
        assertThat(queue.getAttachment("fine").orElseThrow().localUri())
                .isEqualTo(files().resolve("fine.jpg").toAbsolutePath().toString());
        assertThat(queue.verifyAttachments()).as("nothing left to repair").isZero();
    }

    @Test
    void stopInterruptsBlockedTransfersPromptlyAndTheyResumeAtTheNextStart() throws Exception {
        remote.uploadGate = new CountDownLatch(1);
        remote.downloadGate = new CountDownLatch(1);
        remote.files.put("p1", randomBytes(100));
        queue = builder().build();
        queue.start();
        Attachment saved = queue.saveFile(randomBytes(100), "image/jpeg", "jpg", null, reference("t1"));
        db.execute("INSERT INTO todos (id, photo_id) VALUES ('t2', 'p1')");
        assertThat(remote.started.tryAcquire(2, 5, TimeUnit.SECONDS)).as("an upload and a download in flight").isTrue();

        long start = System.nanoTime();
        assertThat(queue.stop(Duration.ofSeconds(5))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(remote.interrupted.get()).isEqualTo(2);
        assertThat(queue.getAttachment(saved.id()).orElseThrow().state()).isEqualTo(AttachmentState.QUEUED_UPLOAD);
        assertThat(queue.getAttachment("p1").orElseThrow().state()).isEqualTo(AttachmentState.QUEUED_DOWNLOAD);
        AttachmentQueueStatus status = queue.currentStatus();
        assertThat(status.running()).isFalse();
        assertThat(status.uploading() + status.downloading()).isZero();
        assertThat(status.errors()).as("an interrupted transfer is no failure").isEmpty();

        remote.uploadGate = null;
        remote.downloadGate = null;
        queue.start();
        Rows.awaitState(db, saved.id(), AttachmentState.SYNCED);
        Rows.awaitState(db, "p1", AttachmentState.SYNCED);
    }

    @Test
    void syncNowRetriesAtOnceInsteadOfAfterTheBackoff() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        remote.uploadFailure = a -> attempts.incrementAndGet() == 1 ? FakeRemoteStorage.unavailable() : null;
        queue = builder().retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(5)).build();
        queue.start();
        Attachment saved = queue.saveFile(randomBytes(100), "image/jpeg", "jpg", null, reference("t1"));
        assertThat(remote.started.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
        assertThat(queue.awaitIdle(Duration.ofSeconds(5))).isTrue();
        AttachmentError error = queue.lastError(saved.id()).orElseThrow();
        assertThat(error.retryAt().orElseThrow()).isAfter(Instant.now().plusSeconds(20));
        assertThat(queue.getAttachment(saved.id()).orElseThrow().state()).isEqualTo(AttachmentState.QUEUED_UPLOAD);

        queue.syncNow();
        Rows.awaitState(db, saved.id(), AttachmentState.SYNCED);
        assertThat(attempts.get()).isEqualTo(2);
    }

    @Test
    void thePeriodicIntervalPicksUpWorkQueuedByAnotherConnection() throws Exception {
        queue = builder().syncInterval(Duration.ofMillis(200)).build();
        queue.start();
        assertThat(queue.awaitIdle(Duration.ofSeconds(5))).isTrue();
        byte[] bytes = randomBytes(100);
        Path file = files().resolve("other.jpg");
        Files.write(file, bytes);
        // another connection's commit reaches no watcher of this one: only the periodic round finds it
        try (PowerSyncDatabase other = PowerSyncDatabase.open(dir.resolve("app.db"), SCHEMA)) {
            other.execute("INSERT INTO todos (id, photo_id) VALUES ('t1', 'other')");
            other.execute("INSERT INTO attachments (id, filename, local_uri, timestamp, size, state, has_synced) "
                    + "VALUES ('other', 'other.jpg', ?, 1, 100, ?, 0)", file.toString(), AttachmentState.QUEUED_UPLOAD.code());
        }
        long start = System.nanoTime();
        assertThat(remote.started.tryAcquire(5, TimeUnit.SECONDS)).as("uploaded by a periodic round").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        Rows.awaitState(db, "other", AttachmentState.SYNCED);
        assertThat(remote.files.get("other")).isEqualTo(bytes);
    }

    @Test
    void publishedItemsFeedTheQueueInsteadOfAQuery() throws Exception {
        remote.files.put("p1", randomBytes(100));
        try (SubmissionPublisher<List<WatchedAttachmentItem>> items = new SubmissionPublisher<>()) {
            queue = builder().watchedAttachments(items).build();
            queue.start();

            items.submit(List.of(new WatchedAttachmentItem("p1", "png", "{\"from\":\"publisher\"}")));
            Rows.awaitState(db, "p1", AttachmentState.SYNCED);
            Attachment attachment = queue.getAttachment("p1").orElseThrow();
            assertThat(attachment.filename()).isEqualTo("p1.png");
            assertThat(attachment.metaData()).isEqualTo("{\"from\":\"publisher\"}");

            items.submit(List.of());
            Rows.awaitState(db, "p1", AttachmentState.ARCHIVED);
        }
    }

    @Test
    void theBuilderRefusesASchemaWithoutTheTable() {
        assertThatThrownBy(() -> AttachmentQueue.builder(db, remote).tableName("photos").storageDirectory(files()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AttachmentTable.create(\"photos\")");
        assertThatThrownBy(() -> AttachmentQueue.builder(db, remote).build()).isInstanceOf(IllegalStateException.class);
        assertThat(AttachmentTable.create().localOnly()).isTrue();
        assertThat(AttachmentState.fromCode(4)).isEqualTo(AttachmentState.ARCHIVED);
        assertThat(List.of(AttachmentState.values()).stream().map(AttachmentState::code).toList()).containsExactly(0, 1, 2, 3, 4);
    }

    // ---- helpers

    private static BiConsumer<PowerSyncDatabase.Transaction, Attachment> reference(String todoId) {
        return (tx, a) -> tx.execute("INSERT INTO todos (id, photo_id) VALUES (?, ?)", todoId, a.id());
    }

    private void insertRecord(String id, AttachmentState state, Path localUri, boolean hasSynced) {
        db.execute("INSERT INTO attachments (id, filename, local_uri, timestamp, size, media_type, state, has_synced) "
                + "VALUES (?, ?, ?, 1, 10, 'image/jpeg', ?, ?)", id, id + ".jpg", localUri.toAbsolutePath().toString(), state.code(), hasSynced);
    }

    private static long millisBetween(FakeRemoteStorage.Call first, FakeRemoteStorage.Call second) {
        return TimeUnit.NANOSECONDS.toMillis(second.atNanos() - first.atNanos());
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random().nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** A clock one millisecond further at every reading, so that records' timestamps never tie. */
    private static final class TickingClock extends Clock {
        private final AtomicLong millis = new AtomicLong(System.currentTimeMillis());

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.incrementAndGet());
        }

        @Override
        public long millis() {
            return millis.incrementAndGet();
        }
    }
}
