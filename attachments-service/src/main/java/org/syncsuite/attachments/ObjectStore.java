package org.syncsuite.attachments;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import io.minio.BucketExistsArgs;
import io.minio.Checksum;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.Http;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.PutObjectAPIArgs;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;

import okhttp3.OkHttpClient;

import org.syncsuite.core.service.ServiceConfig;

/**
 * The bytes, in one bucket of any S3-compatible store, through the MinIO SDK. Large bodies are
 * streamed in multipart uploads of {@link #PART_SIZE} (only one part is held in memory), and
 * reads are streamed with an optional byte range. Every failure of the store is an
 * {@link ObjectStoreException}.
 */
final class ObjectStore {

    /** Multipart upload part size for bodies of unknown length. */
    static final long PART_SIZE = 16L * 1024 * 1024;

    /** The store failed or could not be reached: the work waits, nothing is lost. */
    static final class ObjectStoreException extends Exception {
        private static final long serialVersionUID = 1L;

        ObjectStoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What the store says of an object. */
    record ObjectInfo(long size, Instant lastModified) {
    }

    private final MinioClient client;
    /** The same store through the SDK's lower-level calls (one HTTP client, one connection pool). */
    private final MinioAsyncClient calls;
    private final String bucket;

    ObjectStore(ServiceConfig.AttachmentsConfig config) {
        OkHttpClient http = S3HttpClient.create(S3HttpClient.DEFAULT_TIMEOUT);
        this.client = MinioClient.builder().endpoint(config.s3Endpoint()).credentials(config.s3AccessKey(), config.s3SecretKey())
                .region(config.s3Region()).httpClient(http).build();
        this.calls = MinioAsyncClient.builder().endpoint(config.s3Endpoint()).credentials(config.s3AccessKey(), config.s3SecretKey())
                .region(config.s3Region()).httpClient(http).build();
        this.bucket = config.s3Bucket();
    }

    String bucket() {
        return bucket;
    }

    /** Creates the bucket when it does not exist. */
    void ensureBucket() throws ObjectStoreException {
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
        } catch (Exception e) {
            throw failure("create the bucket " + bucket, e);
        }
    }

    /** Stores {@code body} ({@code size} bytes, or -1 when unknown) as {@code key}. */
    void put(String key, InputStream body, long size, String mediaType) throws ObjectStoreException {
        try {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(body, size, size >= 0 && size <= PART_SIZE ? -1L : PART_SIZE)
                    .contentType(mediaType).build());
        } catch (Exception e) {
            throw failure("store " + key, e);
        }
    }

    /**
     * Stores the first {@code length} bytes of {@code bytes}, whose SHA-256 is {@code sha256} (hex),
     * as {@code key} in one request. A body already in memory goes out as it is, where a stream
     * would be copied into the client's part buffer first. The SHA-256 the service computed as it
     * read the body is the request's checksum: the client digests nothing again, and the store
     * refuses bytes that do not match it.
     */
    void put(String key, byte[] bytes, int length, String mediaType, String sha256) throws ObjectStoreException {
        Http.Headers checksum = new Http.Headers();
        checksum.put("x-amz-sdk-checksum-algorithm", Checksum.Algorithm.SHA256.toString());
        checksum.put(Http.Headers.X_AMZ_CHECKSUM_SHA256, Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256)));
        try {
            calls.putObject(PutObjectAPIArgs.builder().bucket(bucket).object(key).data(bytes, length).contentType(mediaType)
                    .headers(checksum).build()).get();
        } catch (ExecutionException e) {
            throw failure("store " + key, e.getCause() instanceof Exception cause ? cause : e);
        } catch (Exception e) {
            throw failure("store " + key, e);
        }
    }

    /** The object's bytes from {@code offset}, {@code length} of them (-1: to the end). */
    InputStream get(String key, long offset, long length) throws ObjectStoreException {
        try {
            GetObjectArgs.Builder args = GetObjectArgs.builder().bucket(bucket).object(key);
            if (offset > 0 || length >= 0) {
                args.offset(offset);
                if (length >= 0) {
                    args.length(length);
                }
            }
            return client.getObject(args.build());
        } catch (Exception e) {
            throw failure("read " + key, e);
        }
    }

    /** The object's size and time, or empty when there is none. */
    Optional<ObjectInfo> stat(String key) throws ObjectStoreException {
        try {
            StatObjectResponse stat = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return Optional.of(new ObjectInfo(stat.size(), stat.lastModified() == null ? Instant.now() : stat.lastModified().toInstant()));
        } catch (ErrorResponseException e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw failure("look up " + key, e);
        } catch (Exception e) {
            throw failure("look up " + key, e);
        }
    }

    /** Removes the object; one that is already gone is fine. */
    void remove(String key) throws ObjectStoreException {
        try {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (ErrorResponseException e) {
            if (!notFound(e)) {
                throw failure("remove " + key, e);
            }
        } catch (Exception e) {
            throw failure("remove " + key, e);
        }
    }

    /** A URL that uploads (PUT) or downloads (GET) {@code key} without credentials until it expires. */
    String presigned(boolean upload, String key, int expirySeconds) throws ObjectStoreException {
        try {
            return client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(upload ? Http.Method.PUT : Http.Method.GET)
                    .bucket(bucket).object(key).expiry(expirySeconds, TimeUnit.SECONDS).build());
        } catch (Exception e) {
            throw failure("sign a URL for " + key, e);
        }
    }

    /**
     * A URL that downloads {@code key} until it expires, answered with {@code mediaType} and
     * {@code disposition} (so that a browser saves the file rather than running it).
     */
    String presignedDownload(String key, int expirySeconds, String mediaType, String disposition) throws ObjectStoreException {
        try {
            return client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Http.Method.GET).bucket(bucket).object(key)
                    .expiry(expirySeconds, TimeUnit.SECONDS).extraQueryParams(java.util.Map.of("response-content-type", mediaType,
                            "response-content-disposition", disposition)).build());
        } catch (Exception e) {
            throw failure("sign a URL for " + key, e);
        }
    }

    /** Copies {@code source} to {@code target} inside the store (objects up to 5 GiB). */
    void copy(String source, String target) throws ObjectStoreException {
        try {
            client.copyObject(io.minio.CopyObjectArgs.builder().bucket(bucket).object(target)
                    .source(io.minio.SourceObject.builder().bucket(bucket).object(source).build()).build());
        } catch (Exception e) {
            throw failure("copy " + source + " to " + target, e);
        }
    }

    /** Every object under {@code prefix}, with its size and time. */
    void list(String prefix, BiConsumer<String, ObjectInfo> each) throws ObjectStoreException {
        try {
            for (Result<Item> result : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
                Item item = result.get();
                each.accept(item.objectName(), new ObjectInfo(item.size(),
                        item.lastModified() == null ? Instant.now() : item.lastModified().toInstant()));
            }
        } catch (Exception e) {
            throw failure("list " + prefix, e);
        }
    }

    private static boolean notFound(ErrorResponseException e) {
        String code = e.errorResponse() == null ? "" : e.errorResponse().code();
        return "NoSuchKey".equals(code) || "NoSuchObject".equals(code) || (e.response() != null && e.response().code() == 404);
    }

    private ObjectStoreException failure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        String detail = e instanceof ErrorResponseException r && r.errorResponse() != null
                ? r.errorResponse().code() + ": " + r.errorResponse().message()
                : e instanceof IOException ? "unreachable (" + e.getMessage() + ")" : String.valueOf(e.getMessage());
        return new ObjectStoreException("S3 could not " + what + " in bucket " + bucket + ": " + detail, e);
    }
}
