package org.syncsuite.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.Http;
import org.junit.jupiter.api.Test;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class EmbeddedS3IT {

    private static final int TEN_MIB = 10 * 1024 * 1024;

    private final EmbeddedS3 s3;
    private final MinioClient client;

    EmbeddedS3IT(EmbeddedS3 s3) {
        this.s3 = s3;
        this.client = MinioClient.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), s3.secretKey())
                .region(s3.region())
                .build();
    }

    @Test
    void storesAndReturnsATenMebibyteObject() throws Exception {
        String bucket = newBucket();
        byte[] content = randomBytes(TEN_MIB);
        client.putObject(PutObjectArgs.builder().bucket(bucket).object("blobs/ten.bin")
                .stream(new ByteArrayInputStream(content), (long) content.length, -1L)
                .contentType("application/octet-stream").build());

        StatObjectResponse stat = client.statObject(StatObjectArgs.builder().bucket(bucket).object("blobs/ten.bin").build());
        assertThat(stat.size()).isEqualTo(TEN_MIB);
        try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object("blobs/ten.bin").build())) {
            assertThat(sha256(in.readAllBytes())).isEqualTo(sha256(content));
        }
    }

    @Test
    void presignedGetWorksOverPlainHttpAndATamperedOneIsRefused() throws Exception {
        String bucket = newBucket();
        byte[] content = randomBytes(64 * 1024);
        client.putObject(PutObjectArgs.builder().bucket(bucket).object("shared.bin")
                .stream(new ByteArrayInputStream(content), (long) content.length, -1L).build());
        String url = client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                .method(Http.Method.GET).bucket(bucket).object("shared.bin").expiry(5, TimeUnit.MINUTES).build());
        assertThat(url).startsWith("http://").contains("X-Amz-Signature=");

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<byte[]> ok = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(content);

        String tampered = tamperSignature(url);
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(tampered)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
    }

    @Test
    void requestsSignedWithAWrongSecretAreRefused() throws Exception {
        String bucket = newBucket();
        MinioClient impostor = MinioClient.builder().endpoint(s3.endpoint())
                .credentials(s3.accessKey(), "not-the-secret").region(s3.region()).build();
        assertThatThrownBy(() -> impostor.statObject(StatObjectArgs.builder().bucket(bucket).object("x").build()))
                .isInstanceOfSatisfying(ErrorResponseException.class,
                        e -> assertThat(e.response().code()).isEqualTo(403));
    }

    private String newBucket() throws Exception {
        String bucket = "it-" + UUID.randomUUID().toString().substring(0, 12);
        client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        assertThat(client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())).isTrue();
        return bucket;
    }

    private static String tamperSignature(String url) {
        int at = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
        char first = url.charAt(at);
        char replacement = first == '0' ? '1' : '0';
        return url.substring(0, at) + replacement + url.substring(at + 1);
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
