package org.syncsuite.gateway.auth;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Keys and tokens for tests, signed with the JDK's providers. */
public final class TestKeys {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /** A signing key with its public JWK. */
    public record SigningKey(String alg, String kid, Object privateKey, ObjectNode jwk) {

        /** A token of {@code claims} (JSON object text), with this key's kid in the header when it has one. */
        public String sign(String claims) {
            ObjectNode header = JSON.createObjectNode().put("alg", alg).put("typ", "JWT");
            if (kid != null) {
                header.put("kid", kid);
            }
            return signWithHeader(header.toString(), claims);
        }

        public String signWithHeader(String header, String claims) {
            String signed = B64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                    + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
            return signed + "." + B64.encodeToString(signature(signed.getBytes(StandardCharsets.US_ASCII)));
        }

        private byte[] signature(byte[] data) {
            try {
                String bits = alg.length() == 5 ? alg.substring(2) : "";
                if (alg.startsWith("HS")) {
                    Mac mac = Mac.getInstance("HmacSHA" + bits);
                    mac.init(new SecretKeySpec((byte[]) privateKey, "HmacSHA" + bits));
                    return mac.doFinal(data);
                }
                Signature signer = switch (alg.substring(0, 2)) {
                    case "RS" -> Signature.getInstance("SHA" + bits + "withRSA");
                    case "ES" -> Signature.getInstance("SHA" + bits + "withECDSAinP1363Format");
                    default -> Signature.getInstance("Ed25519");
                };
                signer.initSign((PrivateKey) privateKey);
                signer.update(data);
                return signer.sign();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private TestKeys() {
    }

    public static SigningKey rsa(String kid) {
        KeyPair pair = generate("RSA", null);
        RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
        ObjectNode jwk = jwk("RSA", kid).put("n", unsigned(pub.getModulus())).put("e", unsigned(pub.getPublicExponent()));
        return new SigningKey("RS256", kid, pair.getPrivate(), jwk.put("alg", "RS256"));
    }

    public static SigningKey ec(String kid) {
        KeyPair pair = generate("EC", new ECGenParameterSpec("secp256r1"));
        ECPublicKey pub = (ECPublicKey) pair.getPublic();
        ObjectNode jwk = jwk("EC", kid).put("crv", "P-256")
                .put("x", fixed(pub.getW().getAffineX(), 32)).put("y", fixed(pub.getW().getAffineY(), 32));
        return new SigningKey("ES256", kid, pair.getPrivate(), jwk);
    }

    public static SigningKey ed25519(String kid) {
        KeyPair pair = generate("Ed25519", null);
        byte[] der = pair.getPublic().getEncoded(); // X.509: the raw key is the last 32 bytes
        ObjectNode jwk = jwk("OKP", kid).put("crv", "Ed25519")
                .put("x", B64.encodeToString(Arrays.copyOfRange(der, der.length - 32, der.length)));
        return new SigningKey("EdDSA", kid, pair.getPrivate(), jwk);
    }

    public static SigningKey hs256(String kid, String secret) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        ObjectNode jwk = jwk("oct", kid).put("k", B64.encodeToString(bytes)).put("alg", "HS256");
        return new SigningKey("HS256", kid, bytes, jwk);
    }

    /** {@code {"keys":[...]}} of these keys' public halves. */
    public static String keySet(SigningKey... keys) {
        ObjectNode set = JSON.createObjectNode();
        var array = set.putArray("keys");
        for (SigningKey key : keys) {
            array.add(key.jwk());
        }
        return set.toString();
    }

    /** Claims for user {@code sub}, audience {@code powersync}, issued now and valid for an hour. */
    public static String claims(String sub) {
        long now = System.currentTimeMillis() / 1000;
        return "{\"sub\":\"" + sub + "\",\"aud\":\"powersync\",\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}";
    }

    private static ObjectNode jwk(String kty, String kid) {
        ObjectNode jwk = JSON.createObjectNode().put("kty", kty);
        if (kid != null) {
            jwk.put("kid", kid);
        }
        return jwk;
    }

    private static KeyPair generate(String algorithm, ECGenParameterSpec spec) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (spec != null) {
                generator.initialize(spec);
            } else if (algorithm.equals("RSA")) {
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

    private static String fixed(BigInteger value, int length) {
        byte[] bytes = value.toByteArray();
        byte[] out = new byte[length];
        int copy = Math.min(bytes.length, length);
        System.arraycopy(bytes, bytes.length - copy, out, length - copy, copy);
        return B64.encodeToString(out);
    }
}
