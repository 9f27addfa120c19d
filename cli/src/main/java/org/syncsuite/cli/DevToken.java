package org.syncsuite.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The local stack's development key: an HS256 secret kept in the stack folder (created once,
 * readable by its owner only), which the stack's service.yaml lists under {@code client_auth},
 * and the tokens it signs for the demo user, so that an app or the official SDK can connect
 * at once. Never for production: anyone with the file can sign any user's token.
 */
final class DevToken {

    /** The audience the stack's gateway accepts. */
    static final String AUDIENCE = "powersync";
    /** The demo data's user. */
    static final String DEMO_USER = "demo-user";

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private DevToken() {
    }

    /** The key, base64url as a JWK's {@code k}: read from {@code dev-key}, or made and written there. */
    static String key(Path stackRoot) {
        Path file = stackRoot.resolve("dev-key");
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.US_ASCII).strip();
            }
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            String key = B64.encodeToString(secret);
            Files.writeString(file, key + "\n", StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read or write the development key " + file, e);
        }
    }

    /** A token for {@code user}, valid for {@code seconds} (at most a day, as the gateway accepts). */
    static String sign(String key, String user, long seconds) {
        long now = System.currentTimeMillis() / 1000;
        String claims = "{\"sub\":\"" + user.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"aud\":\"" + AUDIENCE
                + "\",\"iat\":" + now + ",\"exp\":" + (now + Math.min(seconds, 86_400)) + "}";
        String signed = B64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getUrlDecoder().decode(key), "HmacSHA256"));
            return signed + "." + B64.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
