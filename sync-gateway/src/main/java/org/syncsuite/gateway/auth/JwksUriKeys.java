package org.syncsuite.gateway.auth;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * The keys published at a JWKS URI, cached: served as they are while younger than five minutes,
 * refreshed in the background after that, and dropped after an hour without a successful
 * refresh. A request waits at most three seconds for a fetch. Only asymmetric keys are taken
 * from a URI.
 *
 * <p>Thread-safe: the cached keys are one immutable snapshot, replaced whole; at most one fetch
 * runs at a time.
 */
final class JwksUriKeys {

    private static final Logger LOG = Logger.getLogger(JwksUriKeys.class.getName());
    static final Duration REFRESH_AFTER = Duration.ofMinutes(5);
    static final Duration DISCARD_AFTER = Duration.ofMinutes(60);
    static final Duration WAIT_AT_MOST = Duration.ofSeconds(3);
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(30);
    /** A refresh asked for because a token named an unknown key is not repeated more often than this. */
    static final Duration MIN_FORCED_REFRESH_INTERVAL = Duration.ofSeconds(30);

    private record Snapshot(List<TokenKey> keys, Instant fetchedAt) {
    }

    private final URI uri;
    private final HttpClient http;
    private final Clock clock;
    private final IpRanges rejected;
    private volatile Snapshot snapshot;
    private CompletableFuture<Snapshot> fetching; // guarded by this
    private Instant lastForcedRefresh = Instant.EPOCH; // guarded by this

    JwksUriKeys(URI uri, HttpClient http, Clock clock, IpRanges rejected) {
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new SyncException(ErrorCode.SERVICE_CONFIG_INVALID, "client_auth.jwks_uri must be http or https: " + uri);
        }
        this.uri = uri;
        this.http = http;
        this.clock = clock;
        this.rejected = rejected;
    }

    URI uri() {
        return uri;
    }

    /** The current keys, fetching them first when there are none fit to use. */
    List<TokenKey> keys() {
        Snapshot current = snapshot;
        Instant now = clock.instant();
        if (current != null && current.fetchedAt().plus(DISCARD_AFTER).isAfter(now)) {
            if (current.fetchedAt().plus(REFRESH_AFTER).isBefore(now)) {
                fetch(); // in the background; the cached keys serve meanwhile
            }
            return current.keys();
        }
        return await(fetch()).keys();
    }

    /**
     * Fetches again because a token named a key the cache does not have (keys were rotated),
     * waiting at most three seconds, and returns the keys then known. Rate-limited.
     */
    List<TokenKey> refreshForUnknownKey() {
        CompletableFuture<Snapshot> future;
        synchronized (this) {
            Instant now = clock.instant();
            if (lastForcedRefresh.plus(MIN_FORCED_REFRESH_INTERVAL).isAfter(now)) {
                future = null;
            } else {
                lastForcedRefresh = now;
                future = fetch();
            }
        }
        if (future == null) {
            return keys();
        }
        try {
            return await(future).keys();
        } catch (SyncException e) {
            Snapshot current = snapshot;
            if (current != null) {
                return current.keys();
            }
            throw e;
        }
    }

    private synchronized CompletableFuture<Snapshot> fetch() {
        CompletableFuture<Snapshot> current = fetching;
        if (current == null) {
            CompletableFuture<Snapshot> started = CompletableFuture.supplyAsync(this::download,
                    runnable -> Thread.ofVirtual().name("jwks-fetch").start(runnable));
            fetching = started;
            current = started;
            started.whenComplete((result, error) -> {
                synchronized (this) {
                    fetching = null;
                }
                if (error == null) {
                    snapshot = result;
                } else {
                    LOG.log(Level.WARNING, "Fetching the key set from {0} failed: {1}", new Object[]{uri, rootMessage(error)});
                }
            });
        }
        return current;
    }

    private Snapshot download() {
        try {
            for (InetAddress address : InetAddress.getAllByName(uri.getHost())) {
                if (rejected.contains(address)) {
                    throw new SyncException(ErrorCode.AUTH_JWKS_UNAVAILABLE, "The key set's host " + uri.getHost()
                            + " resolves to " + address.getHostAddress() + ", which client_auth.jwks_reject_ip_ranges refuses");
                }
            }
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(FETCH_TIMEOUT)
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new SyncException(ErrorCode.AUTH_JWKS_UNAVAILABLE, "The key set at " + uri + " answered HTTP "
                        + response.statusCode());
            }
            List<TokenKey> keys = JwkKeys.parseSet(response.body(), false, uri.toString());
            return new Snapshot(keys, clock.instant());
        } catch (IOException e) {
            throw new SyncException(ErrorCode.AUTH_JWKS_UNAVAILABLE, "The key set at " + uri + " could not be fetched: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncException(ErrorCode.AUTH_JWKS_UNAVAILABLE, "Fetching the key set at " + uri + " was interrupted", e);
        }
    }

    private Snapshot await(CompletableFuture<Snapshot> future) {
        try {
            return future.get(WAIT_AT_MOST.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new SyncException(ErrorCode.AUTH_JWKS_UNAVAILABLE, "The key set at " + uri + " did not arrive within "
                    + WAIT_AT_MOST.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw SyncException.in(e.getCause()).orElseGet(() -> new SyncException(ErrorCode.AUTH_JWKS_UNAVAILABLE,
                    "The key set at " + uri + " could not be fetched: " + rootMessage(e), e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncException(ErrorCode.AUTH_JWKS_UNAVAILABLE, "Interrupted while waiting for the key set", e);
        }
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
