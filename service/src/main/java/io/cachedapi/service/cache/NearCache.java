package io.cachedapi.service.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cachedapi.service.config.CachedApiProperties;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * In-process copies of entries found in Redis, so that a hot entry is answered without a Redis round
 * trip, and never staler than Redis was when the request arrived:
 * <ul>
 *   <li>copies are read on a dedicated connection with client-side tracking (RESP3): Redis pushes an
 *       invalidation on that connection for every later change of the key (write, expiry, eviction, flush);</li>
 *   <li>copies are served only while that connection holds a {@link FreshnessLease}, and a write waits
 *       out the lease ({@link #awaitCopiesInvalidated()}) after its invalidation before it is answered: a
 *       request that follows a write, on any instance, never gets a copy from before it;</li>
 *   <li>the connection never reconnects by itself: when it fails its copies go with it, and a new
 *       connection starts empty, so no invalidation can be missed across an outage.</li>
 * </ul>
 */
@Component
public class NearCache implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(NearCache.class);

    /** After a failed connection, how long before the next attempt. */
    private static final Duration RETRY = Duration.ofSeconds(1);

    /** What a copy costs beside its key and value, roughly: the map entry and the object headers. */
    private static final int ENTRY_OVERHEAD_BYTES = 96;

    private final RedisClient client;
    private final ClientResources resources;
    private final RedisURI uri;
    private final Duration timeout;
    private final long maxBytes;
    private final AtomicReference<Session> session = new AtomicReference<>();
    private final AtomicBoolean connecting = new AtomicBoolean();
    private volatile long nextAttemptNanos = System.nanoTime();

    public NearCache(LettuceConnectionFactory redis, ClientResources resources, CachedApiProperties properties) {
        this.timeout = properties.cache().timeout();
        this.resources = resources;
        this.maxBytes = properties.cache().nearCacheSize().toBytes();
        this.uri = uri(redis, timeout);
        if (maxBytes <= 0) {
            this.client = null;
            return;
        }
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .protocolVersion(ProtocolVersion.RESP3)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(redis.getClientConfiguration().getClientOptions()
                        .map(ClientOptions::getSocketOptions).orElseGet(() -> SocketOptions.create()))
                .build());
    }

    /** The copy of {@code key} (UTF-8), when this instance holds one it may serve; null otherwise (ask Redis). */
    public byte[] get(String key) {
        Session current = current();
        // The lease first: the invalidations it vouches for were applied before it was renewed.
        if (current == null || !current.lease.fresh()) {
            return null;
        }
        return current.entries.getIfPresent(key) instanceof byte[] value ? value : null;
    }

    /**
     * After a write's invalidation was sent to Redis: waits until no instance can serve a copy from before
     * it any more, so that whoever sees the write's answer reads the write everywhere. If the invalidation
     * did not reach Redis because Redis is down or hung, the copies' lease has run out meanwhile.
     */
    public void awaitCopiesInvalidated() {
        if (client == null) {
            return;
        }
        try {
            Thread.sleep(FreshnessLease.LEASE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts keeping a copy of {@code key}, read from Redis on the tracked connection, unless one is held. */
    public void track(String key) {
        Session current = current();
        if (current == null) {
            return;
        }
        ConcurrentMap<String, Object> entries = current.entries.asMap();
        if (entries.containsKey(key)) {
            return;
        }
        // Stands for the value until it arrives: an invalidation pushed meanwhile removes it, and then the
        // value, already out of date, is not kept.
        var pending = new Object();
        if (entries.putIfAbsent(key, pending) != null) {
            return;
        }
        current.connection.async().get(key).whenComplete((value, error) -> {
            if (value != null) {
                entries.replace(key, pending, value.getBytes(StandardCharsets.UTF_8));
            } else {
                entries.remove(key, pending);
            }
        });
    }

    @Override
    public void destroy() {
        Session current = session.getAndSet(null);
        if (current != null) {
            current.lease.close();
            current.connection.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, timeout);
        }
    }

    /** The usable session, or null (and a connection attempt under way) when there is none. */
    private Session current() {
        Session current = session.get();
        if (current != null && current.connection.isOpen()) {
            return current;
        }
        if (current != null) {
            drop(current);
        }
        connectSoon();
        return null;
    }

    private void drop(Session failed) {
        if (session.compareAndSet(failed, null)) {
            log.info("Near cache dropped ({} copies): its Redis connection failed", failed.entries.estimatedSize());
            failed.lease.close();
            failed.connection.closeAsync();
        }
    }

    /** Connects in the background, at most once per {@link #RETRY}; no request waits for it. */
    private void connectSoon() {
        if (client == null || System.nanoTime() - nextAttemptNanos < 0 || !connecting.compareAndSet(false, true)) {
            return;
        }
        nextAttemptNanos = System.nanoTime() + RETRY.toNanos();
        client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture()
                .thenCompose(connection -> {
                    var fresh = new Session(connection);
                    return connection.async().clientTracking(TrackingArgs.Builder.enabled()).toCompletableFuture()
                            .handle((ok, error) -> {
                                if (error != null) {
                                    connection.closeAsync();
                                    throw new IllegalStateException("CLIENT TRACKING failed", error);
                                }
                                fresh.start();
                                return fresh;
                            });
                })
                .whenComplete((fresh, error) -> {
                    if (error == null) {
                        session.set(fresh);
                    } else {
                        log.debug("Near cache not connected: {}", error.toString());
                    }
                    connecting.set(false);
                });
    }

    private static RedisURI uri(LettuceConnectionFactory redis, Duration timeout) {
        RedisStandaloneConfiguration standalone = redis.getStandaloneConfiguration();
        RedisURI.Builder uri = RedisURI.builder()
                .withHost(standalone.getHostName())
                .withPort(standalone.getPort())
                .withDatabase(standalone.getDatabase())
                .withSsl(redis.isUseSsl())
                .withTimeout(timeout);
        standalone.getPassword().toOptional().ifPresent(password -> {
            if (standalone.getUsername() != null) {
                uri.withAuthentication(standalone.getUsername(), password);
            } else {
                uri.withPassword(password);
            }
        });
        return uri.build();
    }

    /** One tracked connection and the copies read on it; both end together. */
    private final class Session implements PushListener {

        private final StatefulRedisConnection<String, String> connection;
        private final Cache<String, Object> entries;
        private FreshnessLease lease;

        Session(StatefulRedisConnection<String, String> connection) {
            this.connection = connection;
            this.entries = Caffeine.newBuilder()
                    .maximumWeight(maxBytes)
                    .weigher((String key, Object value) ->
                            ENTRY_OVERHEAD_BYTES + key.length() + (value instanceof byte[] bytes ? bytes.length : 0))
                    .build();
            connection.addListener(this);
        }

        /** Once tracking is on: the lease starts, and with it the copies. */
        void start() {
            lease = new FreshnessLease(() -> connection.async().ping(), resources.eventExecutorGroup(),
                    () -> drop(this));
        }

        /** Redis's {@code invalidate} push: the keys that changed, or null when everything did (FLUSHALL). */
        @Override
        public void onPushMessage(PushMessage message) {
            if (!"invalidate".equals(message.getType())) {
                return;
            }
            List<Object> content = message.getContent(StringCodec.UTF8::decodeKey);
            if (content.size() > 1 && content.get(1) instanceof List<?> keys) {
                keys.forEach(key -> entries.invalidate(String.valueOf(key)));
            } else {
                entries.invalidateAll();
            }
        }
    }
}
