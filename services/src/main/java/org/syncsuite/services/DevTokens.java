package org.syncsuite.services;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Development client tokens: HS256 JWTs signed with a shared secret, for the local stack, tests
 * and benchmarks, whose {@code service.yaml} lists the secret as an {@code oct} key. Never for
 * production: anyone with the secret signs any user's token.
 */
public final class DevTokens {

    /** The audience the suite's services accept by default. */
    public static final String AUDIENCE = "powersync";

    /** The key id of development keys. */
    public static final String KEY_ID = "dev";

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private DevTokens() {
    }

    /** The secret's bytes as a JWK's {@code k} (base64url). */
    public static String jwkKey(byte[] secret) {
        return B64.encodeToString(secret);
    }

    /** A JWKS (JSON) holding the secret as its one {@code oct} HS256 key. */
    public static String jwks(byte[] secret) {
        return "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"" + KEY_ID + "\",\"alg\":\"HS256\",\"k\":\"" + jwkKey(secret) + "\"}]}";
    }

    /** A token for {@code user}, for the {@link #AUDIENCE}, valid {@code seconds} from now. */
    public static String sign(byte[] secret, String user, long seconds) {
        long now = System.currentTimeMillis() / 1000;
        return signClaims(secret, "{\"sub\":\"" + user.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"aud\":\""
                + AUDIENCE + "\",\"iat\":" + now + ",\"exp\":" + (now + seconds) + "}");
    }

    /** A token with exactly the claims {@code claimsJson}. */
    public static String signClaims(byte[] secret, String claimsJson) {
        String signed = B64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return signed + "." + B64.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
