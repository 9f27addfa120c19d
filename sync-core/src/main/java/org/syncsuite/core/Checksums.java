package org.syncsuite.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Operation and bucket checksums exactly as PowerSync computes them: an op's checksum is the
 * first four bytes of a SHA-256 digest read as an unsigned little-endian 32-bit integer; a
 * bucket's checksum is the sum of its ops' checksums modulo 2^32. Clients verify these sums at
 * every checkpoint, so any difference here means re-downloads.
 *
 * <p>Thread-safe: each thread uses its own digest.
 */
public final class Checksums {

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    });

    private static final long MASK = 0xFFFF_FFFFL;

    private Checksums() {
    }

    /** A PUT's checksum: over {@code put.<object_type>.<object_id>.<data>}, data being the exact JSON text sent. */
    public static long put(String objectType, String objectId, String data) {
        return of("put." + objectType + "." + objectId + "." + data);
    }

    /** A REMOVE's checksum: over {@code delete.<subkey>}, independent of bucket, type and id. */
    public static long remove(String subkey) {
        return of("delete." + subkey);
    }

    /** The unsigned 32-bit checksum of a UTF-8 string. */
    public static long of(String input) {
        MessageDigest digest = SHA256.get();
        byte[] hash = digest.digest(input.getBytes(StandardCharsets.UTF_8));
        return (hash[0] & 0xFFL) | (hash[1] & 0xFFL) << 8 | (hash[2] & 0xFFL) << 16 | (hash[3] & 0xFFL) << 24;
    }

    /** The sum of two checksums modulo 2^32, unsigned. Accepts signed or unsigned inputs. */
    public static long add(long a, long b) {
        return (a + b) & MASK;
    }

    /** A checksum as the signed 32-bit integer bucket checksums are sent as. */
    public static int toSigned(long checksum) {
        return (int) checksum;
    }

    /** A checksum in its unsigned form (0 .. 2^32-1), from either form. */
    public static long toUnsigned(long checksum) {
        return checksum & MASK;
    }
}
