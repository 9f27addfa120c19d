package org.syncsuite.gateway.auth;

import java.security.Key;
import java.util.List;
import java.util.Optional;

/**
 * A key that may verify client tokens: its id ({@code kid}) when it has one, the algorithm it is
 * pinned to when its JWK says so, else any of its family's; the audiences it accepts instead of
 * the configured ones (Supabase keys accept {@code authenticated}), and the longest token
 * lifetime it accepts.
 */
record TokenKey(Optional<String> kid, Family family, Optional<String> algorithm, Key key,
                Optional<List<String>> audiences, long maxLifetimeSeconds) {

    /** One day, as PowerSync allows. */
    static final long DEFAULT_MAX_LIFETIME = 86_400;
    /** Seven days and twenty minutes, what Supabase's tokens may live. */
    static final long SUPABASE_MAX_LIFETIME = 7 * 86_400 + 20 * 60;

    /** A key type and the JWS algorithms it signs with. */
    enum Family {
        RSA("RS256", "RS384", "RS512"),
        EC("ES256", "ES384", "ES512"),
        OKP("EdDSA"),
        HMAC("HS256", "HS384", "HS512");

        private final List<String> algorithms;

        Family(String... algorithms) {
            this.algorithms = List.of(algorithms);
        }

        boolean signs(String algorithm) {
            return algorithms.contains(algorithm);
        }
    }

    TokenKey {
        audiences = audiences.map(List::copyOf);
    }

    /** Whether this key may verify a token signed with {@code alg}. */
    boolean accepts(String alg) {
        return algorithm.map(alg::equals).orElse(family.signs(alg));
    }
}
