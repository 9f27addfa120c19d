package org.syncsuite.attachments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;

import jakarta.enterprise.inject.spi.Extension;
import jakarta.inject.Inject;

import io.smallrye.config.inject.ConfigExtension;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.EmptyAsset;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.services.BackingServices;
import org.syncsuite.services.EmbeddedS3;

/**
 * The attachments service's CDI beans in a container: MicroProfile Config names the
 * {@code service.yaml}, the producers read its {@code attachments:} section once and build the
 * object store on the embedded S3; the work queue starts with the application scope, creates the
 * bucket, carries out deletions and verifies presigned uploads from the metadata bean it is given,
 * and sweeps orphans; the readiness check is a bean reporting the queue. (The REST API, JPA and
 * JWT are Helidon's part: {@code AttachmentsServiceIT} in the service's module checks them.)
 */
@ExtendWith(ArquillianExtension.class)
class AttachmentsWiringIT {

    private static String bucket;

    @Deployment
    static JavaArchive deployment() {
        // Runs before the container starts: the config it reads must exist by then.
        EmbeddedS3 s3 = BackingServices.shared().s3();
        bucket = "wiring-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            Path config = Files.createTempFile("service", ".yaml");
            Files.writeString(config, """
                    replication:
                      connections:
                        - type: mariadb
                          hostname: 127.0.0.1
                          database: unused
                          username: unused
                          password: unused
                    storage:
                      type: mysql
                      hostname: 127.0.0.1
                    attachments:
                      s3:
                        endpoint: %s
                        bucket: %s
                        access_key: %s
                        secret_key: %s
                      max_file_size_mb: 2
                    """.formatted(s3.endpoint(), bucket, s3.accessKey(), s3.secretKey()));
            System.setProperty("powersync.config-path", config.toString());
            System.setProperty("attachments.queue.poll-millis", "100");
            System.setProperty("attachments.queue.max-backoff-seconds", "1");
            System.setProperty("attachments.orphan-grace-minutes", "0");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ShrinkWrap.create(JavaArchive.class)
                .addClasses(AttachmentsSetup.class, WorkQueue.class, AttachmentsHealth.class, InMemoryMetadata.class)
                .addAsServiceProvider(Extension.class, ConfigExtension.class)
                .addAsManifestResource(EmptyAsset.INSTANCE, "beans.xml");
    }

    @Inject
    ServiceConfig.AttachmentsConfig config;
    @Inject
    ObjectStore store;
    @Inject
    WorkQueue queue;
    @Inject
    Metadata metadata;
    @Inject
    @Readiness
    HealthCheck readiness;

    @Test
    void theQueueStartsWithTheContainerAndWorksOffTheMetadataItIsGiven() throws Exception {
        assertThat(config.s3Bucket()).isEqualTo(bucket);
        assertThat(config.maxFileSizeBytes()).isEqualTo(2L * 1024 * 1024);
        assertThat(metadata).isInstanceOf(InMemoryMetadata.class);
        InMemoryMetadata rows = (InMemoryMetadata) metadata;
        await().atMost(Duration.ofSeconds(20)).until(queue::bucketReady);

        // a deleted attachment: its object goes, then its row
        String deleted = "deleted-" + UUID.randomUUID();
        String deletedKey = AttachmentEntity.newObjectKey(deleted);
        put(deletedKey, "bytes to delete");
        rows.put(view(deleted, deletedKey, AttachmentEntity.State.DELETING, 15, null));
        rows.enqueue(WorkItem.Kind.DELETE, deleted, deletedKey);
        HealthCheckResponse before = readiness.call();
        assertThat(before.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        queue.wake();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.stat(deletedKey).isEmpty() && rows.find(deleted).isEmpty());

        // a presigned upload that arrived: verified against its declared size and SHA-256, then available
        String uploaded = "uploaded-" + UUID.randomUUID();
        String uploadedKey = AttachmentEntity.newObjectKey(uploaded);
        byte[] content = "the photo's bytes".getBytes(StandardCharsets.UTF_8);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        rows.put(view(uploaded, uploadedKey, AttachmentEntity.State.PENDING, content.length, sha));
        put(uploadedKey, new String(content, StandardCharsets.UTF_8));
        rows.enqueue(WorkItem.Kind.VERIFY, uploaded, uploadedKey);
        queue.wake();
        // the row turns available, then its work item is done: a moment apart in this in-memory metadata
        await().atMost(Duration.ofSeconds(10)).until(() -> rows.find(uploaded).map(r -> r.state() == AttachmentEntity.State.AVAILABLE)
                .orElse(false) && rows.pending(WorkItem.Kind.VERIFY) == 0);
        assertThat(rows.find(uploaded).orElseThrow().sha256()).isEqualTo(sha);

        // an object no row names is swept; the verified one stays
        String stray = "objects/stray/" + UUID.randomUUID();
        put(stray, "nobody's");
        assertThat(queue.sweep()).isGreaterThanOrEqualTo(1);
        assertThat(store.stat(stray)).isEmpty();
        String keptKey = rows.find(uploaded).orElseThrow().objectKey();
        assertThat(keptKey).as("served from a copy the uploader never saw").isNotEqualTo(uploadedKey);
        await().atMost(Duration.ofSeconds(10)).until(() -> store.stat(uploadedKey).isEmpty());
        assertThat(store.stat(keptKey)).isPresent();
        try (InputStream in = store.get(keptKey, 4, 5)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("photo");
        }
        assertThat(readiness.call().getData().orElseThrow()).containsEntry("pending_deletes", 0L).containsEntry("bucket", "ready");
    }

    private void put(String key, String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        store.put(key, new ByteArrayInputStream(bytes), bytes.length, "text/plain");
    }

    private static AttachmentView view(String id, String key, AttachmentEntity.State state, long size, String sha) {
        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
        return new AttachmentView(id, key, "someone", state, size, "text/plain", sha, null, null, now, now,
                now.plusMinutes(10));
    }
}
