package org.syncsuite.gateway.auth;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.service.ServiceConfig;

/**
 * Verifies client tokens as PowerSync does (reference §5.5): a compact JWS signed with RS, ES,
 * EdDSA or HS at 256, 384 or 512 bits ({@code none} refused); the key chosen by {@code kid} when
 * a key has that id, else any key without an id whose algorithm fits; {@code sub}, {@code iat}
 * and {@code exp} required; {@code aud} must name one of the accepted audiences; at most a day
 * between {@code iat} and {@code exp}; 60 s of clock skew allowed. Each failure is a
 * {@link SyncException} with PowerSync's code and a description a developer can act on.
 *
 * <p>MicroProfile JWT verifies against one issuer's key location; PowerSync's rules (several key
 * sets at once, wildcard keys tried in turn, per-key audiences and lifetimes, and a code per
 * failure) need this verifier, which relies on the JDK's providers only.
 *
 * <p>Thread-safe.
 */
public final class TokenVerifier {

    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = org.syncsuite.core.JsonMappers.builder().build();

    private final List<TokenKey> staticKeys;
    private final List<JwksUriKeys> uriKeys;
    private final List<String> audiences;
    private final Clock clock;

    TokenVerifier(List<TokenKey> staticKeys, List<JwksUriKeys> uriKeys, List<String> audiences, Clock clock) {
        this.staticKeys = List.copyOf(staticKeys);
        this.uriKeys = List.copyOf(uriKeys);
        this.audiences = List.copyOf(audiences);
        this.clock = clock;
    }

    /** The verifier a service config's {@code client_auth} section describes. */
    public static TokenVerifier of(ServiceConfig.ClientAuth auth, Clock clock) {
        List<TokenKey> keys = new ArrayList<>();
        auth.jwksJson().ifPresent(json -> keys.addAll(JwkKeys.parseSet(json, true, "client_auth.jwks")));
        if (auth.supabase()) {
            auth.supabaseJwtSecret().ifPresent(secret -> keys.add(JwkKeys.supabaseSecret(secret)));
        }
        IpRanges rejected = IpRanges.of(auth.jwksRejectIpRanges());
        HttpClient http = auth.jwksUris().isEmpty() ? null : HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build();
        List<JwksUriKeys> uris = auth.jwksUris().stream()
                .map(uri -> new JwksUriKeys(URI.create(uri), http, clock, rejected)).toList();
        return new TokenVerifier(keys, uris, auth.audience(), clock);
    }

    /** Whether any key is configured at all (without one, every token is refused). */
    public boolean hasKeys() {
        return !staticKeys.isEmpty() || !uriKeys.isEmpty();
    }

    /** The token of an {@code Authorization} header value, {@code Token <jwt>} or {@code Bearer <jwt>}. */
    public static String tokenOf(Optional<String> authorization) {
        String header = authorization.map(String::strip).orElse("");
        int space = header.indexOf(' ');
        if (space > 0) {
            String scheme = header.substring(0, space);
            String token = header.substring(space + 1).strip();
            if ((scheme.equals("Token") || scheme.equals("Bearer")) && !token.isEmpty() && token.indexOf(' ') < 0) {
                return token;
            }
        }
        throw new SyncException(ErrorCode.AUTH_HEADER_MISSING,
                "Authentication required: send the header 'Authorization: Token <jwt>' (or Bearer)");
    }

    public VerifiedToken verify(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "The token is not a JWT (a JWS in compact form has three parts)");
        }
        JsonNode header = decodeJson(parts[0], "header");
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual()) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "The token's header names no algorithm (alg)");
        }
        String algorithm = alg.asText();
        if (!supported(algorithm)) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "Unsupported JWT algorithm '" + algorithm
                    + "': use RS256/384/512, ES256/384/512, EdDSA or HS256/384/512");
        }
        Optional<String> kid = Optional.ofNullable(header.get("kid")).filter(JsonNode::isTextual).map(JsonNode::asText);
        byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        byte[] signature = decode(parts[2], "signature");

        List<TokenKey> candidates = candidates(currentKeys(), kid, algorithm);
        if (candidates.isEmpty() && !uriKeys.isEmpty()) {
            List<TokenKey> refreshed = new ArrayList<>(staticKeys);
            uriKeys.forEach(source -> refreshed.addAll(source.refreshForUnknownKey()));
            candidates = candidates(refreshed, kid, algorithm);
        }
        if (candidates.isEmpty()) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "Could not find an appropriate key in the keystore: no key "
                    + kid.map(id -> "with kid '" + id + "' or ").orElse("") + "without a kid accepts " + algorithm);
        }
        TokenKey key = null;
        for (TokenKey candidate : candidates) {
            if (verifies(candidate, algorithm, signed, signature)) {
                key = candidate;
                break;
            }
        }
        if (key == null) {
            throw new SyncException(ErrorCode.AUTH_SIGNATURE_INVALID, "Token signature verification failed");
        }
        JsonNode claims = decodeJson(parts[1], "payload");
        return checkClaims(claims, key);
    }

    private VerifiedToken checkClaims(JsonNode claims, TokenKey key) {
        long now = clock.instant().getEpochSecond();
        long skew = CLOCK_SKEW.toSeconds();
        long exp = numericClaim(claims, "exp");
        long iat = numericClaim(claims, "iat");
        // Compared without overflow: a claim near Long.MIN_VALUE or MAX_VALUE must not wrap into range.
        if (exp < now - skew) {
            throw new SyncException(ErrorCode.AUTH_TOKEN_EXPIRED, "JWT has expired (exp " + exp + ")");
        }
        JsonNode nbf = claims.get("nbf");
        if (nbf != null && nbf.isNumber() && (!nbf.canConvertToLong() || nbf.asLong() > now + skew)) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "The token is not valid yet (nbf " + nbf + ")");
        }
        if (iat > now + skew) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "The token is not valid yet (iat " + iat + ")");
        }
        long lifetime;
        try {
            lifetime = Math.subtractExact(exp, iat);
        } catch (ArithmeticException e) {
            lifetime = Long.MAX_VALUE; // exp far in the future, iat far in the past
        }
        if (lifetime > key.maxLifetimeSeconds()) {
            throw new SyncException(ErrorCode.AUTH_LIFETIME_TOO_LONG, "Token lifetime too long: exp - iat is "
                    + (lifetime == Long.MAX_VALUE ? "beyond 2^63" : lifetime) + " s, at most " + key.maxLifetimeSeconds()
                    + " s is accepted");
        }
        JsonNode sub = claims.get("sub");
        if (sub == null || !(sub.isTextual() || sub.isNumber())) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "JWT payload is missing a required claim \"sub\"");
        }
        List<String> accepted = key.audiences().orElse(audiences);
        JsonNode aud = claims.get("aud");
        if (aud == null || aud.isNull()) {
            throw new SyncException(ErrorCode.AUTH_AUDIENCE_INVALID, "JWT payload is missing a required claim \"aud\"");
        }
        if (!intersects(aud, accepted)) {
            throw new SyncException(ErrorCode.AUTH_AUDIENCE_INVALID, "Unexpected \"aud\" claim value " + aud
                    + (accepted.isEmpty() ? ": no audience is configured (client_auth.audience)" : ": expected one of " + accepted));
        }
        JsonNode parameters = claims.get("parameters");
        if (parameters != null && !parameters.isObject() && !parameters.isNull()) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "The token's \"parameters\" claim must be an object");
        }
        return new VerifiedToken(sub.asText(), claims, Instant.ofEpochSecond(exp));
    }

    private List<TokenKey> currentKeys() {
        if (uriKeys.isEmpty()) {
            return staticKeys;
        }
        List<TokenKey> keys = new ArrayList<>(staticKeys);
        SyncException failure = null;
        for (JwksUriKeys source : uriKeys) {
            try {
                keys.addAll(source.keys());
            } catch (SyncException e) {
                failure = e;
            }
        }
        if (keys.isEmpty() && failure != null) {
            throw failure;
        }
        return keys;
    }

    private static List<TokenKey> candidates(List<TokenKey> keys, Optional<String> kid, String algorithm) {
        if (kid.isPresent()) {
            List<TokenKey> named = keys.stream().filter(key -> key.kid().equals(kid)).toList();
            if (!named.isEmpty()) {
                return named.stream().filter(key -> key.accepts(algorithm)).toList();
            }
        }
        return keys.stream().filter(key -> key.kid().isEmpty() && key.accepts(algorithm)).toList();
    }

    private static boolean supported(String algorithm) {
        for (TokenKey.Family family : TokenKey.Family.values()) {
            if (family.signs(algorithm)) {
                return true;
            }
        }
        return false;
    }

    private static boolean verifies(TokenKey key, String algorithm, byte[] signed, byte[] signature) {
        try {
            String bits = algorithm.length() == 5 ? algorithm.substring(2) : "";
            if (key.family() == TokenKey.Family.HMAC) {
                Mac mac = Mac.getInstance("HmacSHA" + bits);
                mac.init(new SecretKeySpec(key.key().getEncoded(), "HmacSHA" + bits));
                return MessageDigest.isEqual(mac.doFinal(signed), signature);
            }
            Signature verifier = switch (key.family()) {
                case RSA -> Signature.getInstance("SHA" + bits + "withRSA");
                case EC -> Signature.getInstance("SHA" + bits + "withECDSAinP1363Format");
                case OKP -> Signature.getInstance(key.key().getAlgorithm());
                case HMAC -> throw new IllegalStateException();
            };
            verifier.initVerify((PublicKey) key.key());
            verifier.update(signed);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false; // a signature of the wrong shape for this key does not verify
        }
    }

    private static long numericClaim(JsonNode claims, String name) {
        JsonNode value = claims.get(name);
        if (value == null || !value.isNumber()) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "JWT payload is missing a required numeric claim \"" + name + "\"");
        }
        if (!value.canConvertToLong()) {
            // asLong() would keep a huge integer's low 64 bits: 2^64 + t would read as t
            throw new SyncException(ErrorCode.AUTH_FAILED, "The claim \"" + name + "\" is out of range: " + value);
        }
        return value.asLong();
    }

    private static boolean intersects(JsonNode aud, List<String> accepted) {
        if (aud.isArray()) {
            for (JsonNode item : aud) {
                if (item.isTextual() && accepted.contains(item.asText())) {
                    return true;
                }
            }
            return false;
        }
        return aud.isTextual() && accepted.contains(aud.asText());
    }

    private static JsonNode decodeJson(String part, String what) {
        try {
            JsonNode node = JSON.readTree(decode(part, what));
            if (node == null || !node.isObject()) {
                throw new SyncException(ErrorCode.AUTH_FAILED, "The token's " + what + " is not a JSON object");
            }
            return node;
        } catch (java.io.IOException e) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "The token's " + what + " is not JSON");
        }
    }

    private static byte[] decode(String part, String what) {
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw new SyncException(ErrorCode.AUTH_FAILED, "The token's " + what + " is not base64url");
        }
    }
}
