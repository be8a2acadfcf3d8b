package io.cachedapi.service.cache;

import io.cachedapi.service.config.CachedApiProperties;
import io.cachedapi.service.data.ReadRouter;
import io.cachedapi.service.data.ReadRouter.Routed;
import io.cachedapi.service.data.ReadRouter.Source;
import io.cachedapi.service.data.WalPosition;
import io.cachedapi.service.data.Writes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Cache-aside reads. A hot entry is answered from this instance's near cache; otherwise one Redis
 * round trip gives the entry, its group's generation and the write fence.
 * On a miss, concurrent readers of the same key share one database read, routed to a replica only if
 * it has replayed every write known to the fence, and the result is stored only if no write
 * invalidated the group meanwhile. When Redis cannot be used the read goes to the database directly.
 */
@Component
public class CachedReads {

    private final CacheStore store;
    private final NearCache nearCache;
    private final ReadRouter router;
    private final Writes writes;
    private final Duration ttl;
    private final CacheFillListener fillListener;
    private final SingleFlight<Read> flights;
    private final Map<CacheType, Counter> hits = new EnumMap<>(CacheType.class);
    private final Counter nearHits;
    private final Map<CacheType, Counter> misses = new EnumMap<>(CacheType.class);
    private final Map<CacheType, Counter> bypasses = new EnumMap<>(CacheType.class);

    public CachedReads(CacheStore store, NearCache nearCache, ReadRouter router, Writes writes, CachedApiProperties properties,
                       ObjectProvider<CacheFillListener> fillListener, MeterRegistry meters) {
        this.store = store;
        this.nearCache = nearCache;
        this.router = router;
        this.writes = writes;
        this.ttl = properties.cache().ttl();
        this.fillListener = fillListener.getIfAvailable(() -> CacheFillListener.NONE);
        Counter coalesced = Counter.builder("cache.loads.coalesced")
                .description("Cache misses answered by another request's database read of the same key")
                .register(meters);
        this.flights = new SingleFlight<>(coalesced::increment);
        this.nearHits = Counter.builder("cache.near.hits")
                .description("Cache hits answered from this instance's copy, without reading the entry from Redis")
                .register(meters);
        for (CacheType type : CacheType.values()) {
            hits.put(type, counter(meters, "cache.hits", "Reads answered from Redis", type));
            misses.put(type, counter(meters, "cache.misses", "Reads not found in Redis, loaded from the database", type));
            bypasses.put(type, counter(meters, "cache.bypasses", "Reads that skipped Redis while it was unusable", type));
        }
    }

    /**
     * The JSON fragment for {@code key}, from the cache or from {@code load} (empty when the row does
     * not exist; absence is not cached). With {@code skipCache} (the client sent
     * {@code Cache-Control: no-cache}) no cached value is used and nothing is stored.
     */
    public Read read(CacheKey key, boolean skipCache, Function<JdbcClient, Optional<String>> load) {
        if (skipCache) {
            Routed<Optional<String>> routed = router.read(writeFence(store.writeFence()), load);
            return new Read(routed.value().map(CachedReads::utf8), CacheStatus.BYPASS, routed.source());
        }
        // A write that Redis has not seen yet is unknown to the near cache too.
        if (store.trusted()) {
            byte[] copy = nearCache.get(key.key());
            if (copy != null) {
                hits.get(key.type()).increment();
                nearHits.increment();
                return new Read(Optional.of(copy), CacheStatus.HIT, Source.CACHE);
            }
        }
        Optional<CacheStore.Snapshot> found = store.snapshot(key);
        if (found.isEmpty()) {
            bypasses.get(key.type()).increment();
            // Without Redis the other instances' writes are unknown here: only the primary surely has them.
            Routed<Optional<String>> routed = router.read(WalPosition.LATEST, load);
            return new Read(routed.value().map(CachedReads::utf8), CacheStatus.BYPASS, routed.source());
        }
        CacheStore.Snapshot snapshot = found.get();
        if (snapshot.value() != null) {
            hits.get(key.type()).increment();
            nearCache.track(key.key());
            return new Read(Optional.of(utf8(snapshot.value())), CacheStatus.HIT, Source.CACHE);
        }
        misses.get(key.type()).increment();
        WalPosition fence = writeFence(Optional.of(snapshot.writeFence()));
        // Readers that saw the same generation and fence want the same thing: one load serves them all.
        return flights.run(key.key() + '@' + snapshot.generation() + '@' + fence, () -> {
            Routed<Optional<String>> routed = router.read(fence, load);
            routed.value().ifPresent(value -> {
                fillListener.beforeFill(key);
                store.fill(key, snapshot, value, ttl);
            });
            return new Read(routed.value().map(CachedReads::utf8), CacheStatus.MISS, routed.source());
        });
    }

    /**
     * The WAL position a replica must have replayed for this read: the later of the latest write of any
     * instance (as Redis knows it) and this instance's own fence. Without Redis, only the primary will do.
     */
    private WalPosition writeFence(Optional<WalPosition> shared) {
        return shared.map(fence -> fence.later(writes.ownFence())).orElse(WalPosition.LATEST);
    }

    private static byte[] utf8(String fragment) {
        return fragment.getBytes(StandardCharsets.UTF_8);
    }

    private static Counter counter(MeterRegistry meters, String name, String description, CacheType type) {
        return Counter.builder(name).description(description).tag("cache_type", type.label()).register(meters);
    }

    /**
     * @param fragment the cached JSON fragment ({@code "data":...} with its siblings) in UTF-8, empty when absent
     */
    public record Read(Optional<byte[]> fragment, CacheStatus status, Source source) {
    }
}
