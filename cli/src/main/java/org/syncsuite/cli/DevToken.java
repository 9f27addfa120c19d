package org.syncsuite.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

import org.syncsuite.services.DevTokens;

/**
 * The local stack's development key: an HS256 secret kept in the stack folder (created once,
 * readable by its owner only), which the stack's service.yaml lists under {@code client_auth},
 * and the tokens it signs for the demo user, so that an app or the official SDK can connect
 * at once. Never for production: anyone with the file can sign any user's token.
 */
final class DevToken {

    /** The audience the stack's gateway accepts. */
    static final String AUDIENCE = DevTokens.AUDIENCE;
    /** The demo data's user. */
    static final String DEMO_USER = "demo-user";

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private DevToken() {
    }

    /** The key, base64url as a JWK's {@code k}: read from {@code dev-key}, or made and written there. */
    static String key(Path stackRoot) {
        return secret(stackRoot, "dev-key", "development key");
    }

    /** The stack's admin API token ({@code api.tokens}): read from {@code admin-token}, or made and written there. */
    static String adminToken(Path stackRoot) {
        return secret(stackRoot, "admin-token", "admin API token");
    }

    /** 32 random bytes, base64url, kept in {@code name} in the stack folder (readable by its owner only). */
    private static String secret(Path stackRoot, String name, String what) {
        Path file = stackRoot.resolve(name);
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
            throw new UncheckedIOException("Could not read or write the " + what + " " + file, e);
        }
    }

    /** A token for {@code user}, valid for {@code seconds} (at most a day, as the gateway accepts). */
    static String sign(String key, String user, long seconds) {
        return DevTokens.sign(Base64.getUrlDecoder().decode(key), user, Math.min(seconds, 86_400));
    }
}
