package org.syncsuite.services.badinput;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Client tokens for a bad-input corpus, minted with the JDK's providers: the service under test
 * trusts {@link #jwks()} (an HS256 secret with kid {@code hs-1} and an RS256 key with kid
 * {@code rsa-1}: every key has a kid, as MicroProfile JWT needs to choose among several);
 * a case names the key that signs its token and may change the header, the claims and the
 * signature:
 * <pre>
 * token:
 *   key: hs256 | rsa | hs256-unknown | rsa-unknown | ec-unknown | none | hmac-with-rsa-public
 *   secret: pem | der | jwk | modulus   # hmac-with-rsa-public: which encoding of the RSA public key is the HMAC secret
 *   header: {kid: other, alg: HS512}    # merged into the header; a null value removes the field
 *   claims: {exp: now-3600, aud: [x]}   # merged into sub u1, aud powersync, iat now, exp now+3600; null removes
 *   signature: valid | empty | garbage
 *   raw: "not.a.jwt"                    # this text as the token, nothing minted
 * </pre>
 * Times are {@code now}, {@code now+N} or {@code now-N} seconds.
 */
public final class CorpusTokens {

    /** The key id of the trusted RSA key. */
    public static final String RSA_KID = "rsa-1";
    /** The key id of the trusted HS256 secret. */
    public static final String HS_KID = "hs-1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final byte[] secret = "bad-input corpus development secret, 32+ bytes".getBytes(StandardCharsets.UTF_8);
    private final byte[] otherSecret = "an attacker's guess at the secret, 32+ bytes".getBytes(StandardCharsets.UTF_8);
    private final KeyPair rsa = generate("RSA");
    private final KeyPair otherRsa = generate("RSA");
    private final KeyPair otherEc = generate("EC");

    /** The key set the service must trust: {@code {"keys":[oct HS256 kid hs-1, RSA RS256 kid rsa-1]}}. */
    public String jwks() {
        Map<String, Object> oct = new LinkedHashMap<>();
        oct.put("kty", "oct");
        oct.put("kid", HS_KID);
        oct.put("alg", "HS256");
        oct.put("k", B64.encodeToString(secret));
        return json(Map.of("keys", List.of(oct, rsaJwk())));
    }

    /** A valid token for {@code user}, signed with the trusted HS256 secret, for an hour. */
    public String valid(String user) {
        return mint(Map.of("claims", Map.of("sub", user)));
    }

    /** The token a case's {@code token:} section describes. */
    public String mint(Map<?, ?> given) {
        @SuppressWarnings("unchecked")
        Map<Object, Object> spec = (Map<Object, Object>) given;
        if (spec.containsKey("raw")) {
            return Payloads.text(spec.get("raw"));
        }
        String key = (String) spec.getOrDefault("key", "hs256");
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", switch (key) {
            case "rsa", "rsa-unknown" -> "RS256";
            case "ec-unknown" -> "ES256";
            case "none" -> "none";
            default -> "HS256";
        });
        header.put("typ", "JWT");
        switch (key) {
            case "hs256", "hs256-unknown" -> header.put("kid", HS_KID);
            case "rsa", "rsa-unknown", "hmac-with-rsa-public" -> header.put("kid", RSA_KID);
            case "ec-unknown" -> header.put("kid", "ec-1");
            default -> {
            }
        }
        merge(header, (Map<?, ?>) spec.get("header"));
        long now = System.currentTimeMillis() / 1000;
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", "u1");
        claims.put("aud", "powersync");
        claims.put("iat", now);
        claims.put("exp", now + 3600);
        merge(claims, (Map<?, ?>) spec.get("claims"));
        claims.replaceAll((name, value) -> time(value, now));
        String signed = B64.encodeToString(json(header).getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(json(claims).getBytes(StandardCharsets.UTF_8));
        byte[] data = signed.getBytes(StandardCharsets.US_ASCII);
        byte[] signature = switch (key) {
            case "hs256" -> hmac(secret, data);
            case "hs256-unknown" -> hmac(otherSecret, data);
            case "hmac-with-rsa-public" -> hmac(rsaPublicAs((String) spec.getOrDefault("secret", "pem")), data);
            case "rsa" -> sign("SHA256withRSA", rsa.getPrivate(), data);
            case "rsa-unknown" -> sign("SHA256withRSA", otherRsa.getPrivate(), data);
            case "ec-unknown" -> sign("SHA256withECDSAinP1363Format", otherEc.getPrivate(), data);
            case "none" -> new byte[0];
            default -> throw new IllegalArgumentException("No key " + key + " in the corpus");
        };
        String mode = (String) spec.getOrDefault("signature", "valid");
        return signed + "." + switch (mode) {
            case "valid" -> B64.encodeToString(signature);
            case "empty" -> "";
            case "garbage" -> "!!not*base64url!!";
            default -> throw new IllegalArgumentException("signature is valid, empty or garbage, not " + mode);
        };
    }

    private Map<String, Object> rsaJwk() {
        RSAPublicKey pub = (RSAPublicKey) rsa.getPublic();
        Map<String, Object> jwk = new LinkedHashMap<>();
        jwk.put("kty", "RSA");
        jwk.put("kid", RSA_KID);
        jwk.put("alg", "RS256");
        jwk.put("use", "sig");
        jwk.put("n", unsigned(pub.getModulus()));
        jwk.put("e", unsigned(pub.getPublicExponent()));
        return jwk;
    }

    /** The trusted RSA public key in an encoding an algorithm-confusion attacker might use as an HMAC secret. */
    private byte[] rsaPublicAs(String encoding) {
        byte[] der = rsa.getPublic().getEncoded();
        return switch (encoding) {
            case "der" -> der;
            case "pem" -> ("-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(der) + "\n-----END PUBLIC KEY-----\n").getBytes(StandardCharsets.US_ASCII);
            case "jwk" -> json(rsaJwk()).getBytes(StandardCharsets.UTF_8);
            case "modulus" -> ((RSAPublicKey) rsa.getPublic()).getModulus().toByteArray();
            default -> throw new IllegalArgumentException("secret is pem, der, jwk or modulus, not " + encoding);
        };
    }

    private static void merge(Map<String, Object> into, Map<?, ?> changes) {
        if (changes == null) {
            return;
        }
        changes.forEach((name, value) -> {
            if (value == null) {
                into.remove((String) name);
            } else {
                into.put((String) name, value);
            }
        });
    }

    /** A claim's value: {@code now±N} as seconds, a {@link Payloads} spec with {@code repeat} as its text, else as written. */
    private static Object time(Object value, long now) {
        if (value instanceof String text && text.matches("now([+-]\\d+)?")) {
            return text.length() == 3 ? now : now + Long.parseLong(text.substring(3).replace("+", ""));
        }
        if (value instanceof Map<?, ?> map && map.containsKey("repeat")) {
            return Payloads.text(map);
        }
        return value;
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sign(String algorithm, PrivateKey key, byte[] data) {
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(data);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generate(String algorithm) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                generator.initialize(2048);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes[0] == 0 && bytes.length > 1) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return B64.encodeToString(bytes);
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
