package io.cachedapi.service.cache;

import io.cachedapi.service.data.WalPosition;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Redis as the cache, behind a circuit breaker: every command has the configured timeout, failures
 * open the breaker, and while it is open no command is sent at all (the caller bypasses the cache).
 * Invalidations that could not reach Redis are kept and replayed (by the next request, or the
 * heartbeat at the latest) before the cache is used again, so an outage never leaves an entry that a
 * write should have removed.
 * <p>
 * The other instances' writes during an outage are unknown here until they replay theirs: Redis may
 * still hold what they replaced, and the write fence lacks their positions. So once the breaker has
 * left the closed state, the cache is bypassed until it has been closed again for {@link #SETTLING},
 * long enough for every instance whose breaker opened in the same outage to have replayed its
 * invalidations. A lone failed command (a timeout on a loaded machine) only makes its own request
 * bypass the cache.
 */
@Component
public class CacheStore {

    private static final Logger log = LoggerFactory.getLogger(CacheStore.class);

    /**
     * The write fence: the latest WAL position any instance has written at (replicas behind it may miss a
     * write), as its LSN and its timeline. The LSN stays under the key older versions read and raise, so
     * that during a rolling update their writes still move the fence; a fence without its timeline (only
     * they wrote since) is unknown to this version, which then reads from the primary until it writes.
     */
    static final String WRITE_FENCE_KEY = "cachedapi:write-fence";
    static final String WRITE_FENCE_TIMELINE_KEY = "cachedapi:write-fence-timeline";

    /** Generations outlive any read in flight by far; after that a lost generation is harmless. */
    private static final Duration GENERATION_TTL = Duration.ofHours(1);

    /** How long the breaker stays open before it lets a command try Redis again. */
    private static final Duration OPEN_WAIT = Duration.ofSeconds(1);

    /** How often the heartbeat replays pending invalidations, or else PINGs Redis to keep the breaker current. */
    static final long HEARTBEAT_MILLIS = 100;

    /**
     * How long the breaker must have stayed closed before the cache is trusted again: an instance whose
     * breaker opened in the same outage tries again within {@link #OPEN_WAIT} of Redis's return and
     * replays within a heartbeat after that; twice the wait leaves a margin for a loaded machine.
     */
    static final Duration SETTLING = OPEN_WAIT.multipliedBy(2);

    /** Bounds what an outage may leave to replay; past it every cached key is dropped on recovery. */
    private static final int MAX_PENDING_GROUPS = 100_000;

    /** Stores the value only if the group's generation is still the one seen before the database read. */
    private static final RedisScript<Long> FILL = RedisScript.of("""
            local current = redis.call('GET', KEYS[2]) or ''
            if current ~= ARGV[1] then return 0 end
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            redis.call('SADD', KEYS[3], KEYS[1])
            redis.call('PEXPIRE', KEYS[3], ARGV[3])
            return 1
            """, Long.class);

    /**
     * Moves the write fence (KEYS[1], KEYS[2]: LSN and timeline) to the later of it and ARGV[1], ARGV[2]
     * (see WalPosition#later: a newer timeline wins even at a lower LSN; an LSN stored without its timeline
     * is taken to be on the new one's), then for each group (the other KEYS in pairs: generation, index)
     * moves the generation on and deletes every key filled in the group.
     */
    private static final RedisScript<Long> INVALIDATE = RedisScript.of("""
            local lsn, timeline = tonumber(ARGV[1]), tonumber(ARGV[2])
            local fenceLsn = tonumber(redis.call('GET', KEYS[1]) or '0')
            local fenceTimeline = tonumber(redis.call('GET', KEYS[2]) or ARGV[2])
            if timeline > fenceTimeline or (timeline == fenceTimeline and lsn > fenceLsn) then
              redis.call('SET', KEYS[1], ARGV[1])
              redis.call('SET', KEYS[2], ARGV[2])
            end
            for i = 3, #KEYS, 2 do
              redis.call('INCR', KEYS[i])
              redis.call('PEXPIRE', KEYS[i], ARGV[3])
              local filled = redis.call('SMEMBERS', KEYS[i + 1])
              for _, key in ipairs(filled) do redis.call('DEL', key) end
              redis.call('DEL', KEYS[i + 1])
            end
            return 1
            """, Long.class);

    private final StringRedisTemplate redis;
    private final NearCache nearCache;
    private final CircuitBreaker breaker;
    private final Counter errors;
    /**
     * Groups whose invalidation has not reached Redis yet, each with the sequence number of the latest write
     * that added it: a replay removes only what it sent, so a write that adds a group while an earlier
     * write's replay of the same group is in flight keeps it pending and sends it itself.
     */
    private final ConcurrentHashMap<String, Long> pendingGroups = new ConcurrentHashMap<>();
    private final AtomicLong pendingSequence = new AtomicLong();
    /** One replay at a time; a lock, not synchronized, so that a virtual thread waiting here never pins its carrier. */
    private final ReentrantLock replaying = new ReentrantLock();
    private final AtomicReference<WalPosition> pendingFence = new AtomicReference<>(WalPosition.NONE);
    private volatile boolean pendingOverflow;
    /** Until when the cache is bypassed because the breaker moved recently ({@link #SETTLING}). */
    private volatile long distrustedUntilNanos = System.nanoTime();

    public CacheStore(StringRedisTemplate redis, NearCache nearCache, CircuitBreakerRegistry breakers,
                      MeterRegistry meters) {
        this.redis = redis;
        this.nearCache = nearCache;
        this.breaker = breakers.circuitBreaker("redis", CircuitBreakerConfig.custom()
                .slidingWindowSize(20)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(OPEN_WAIT)
                .permittedNumberOfCallsInHalfOpenState(2)
                // While it is open every request is refused: no stack trace to fill each time.
                .writableStackTraceEnabled(false)
                .build());
        breaker.getEventPublisher().onStateTransition(transition -> distrust());
        this.errors = Counter.builder("cache.errors")
                .description("Redis commands that failed or timed out (the request went on without the cache)")
                .register(meters);
    }

    /**
     * The entry, its group's generation and the write fence, in one round trip; empty when the cache
     * must be bypassed (breaker open, Redis failing, or invalidations still to replay).
     */
    public Optional<Snapshot> snapshot(CacheKey key) {
        if (!trusted()) {
            return Optional.empty();
        }
        return call(() -> {
            List<String> values = redis.opsForValue().multiGet(
                    List.of(key.key(), key.generationKey(), WRITE_FENCE_KEY, WRITE_FENCE_TIMELINE_KEY));
            if (values == null) {
                throw new IllegalStateException("MGET answered nothing");
            }
            return new Snapshot(values.get(0), values.get(1) == null ? "" : values.get(1),
                    fenceFrom(values.get(2), values.get(3)));
        });
    }

    /** The write fence alone (for reads that skip the cache); empty when Redis cannot be used. */
    public Optional<WalPosition> writeFence() {
        if (!trusted()) {
            return Optional.empty();
        }
        return call(() -> {
            List<String> values = redis.opsForValue().multiGet(List.of(WRITE_FENCE_KEY, WRITE_FENCE_TIMELINE_KEY));
            if (values == null) {
                throw new IllegalStateException("MGET answered nothing");
            }
            return fenceFrom(values.get(0), values.get(1));
        });
    }

    /** Stores {@code value} unless the key's group was invalidated since {@code snapshot} was taken. */
    public void fill(CacheKey key, Snapshot snapshot, String value, Duration ttl) {
        call(() -> redis.execute(FILL, List.of(key.key(), key.generationKey(), key.indexKey()),
                snapshot.generation(), value, Long.toString(ttl.toMillis())));
    }

    /**
     * After a commit at {@code position}: moves the write fence there and invalidates the groups. When Redis
     * cannot be reached the invalidation is kept and replayed before the cache is read again. Returns once no
     * instance's near cache serves what the groups held: either Redis pushed the invalidation, or the
     * copies' lease ran out because Redis could not be reached.
     */
    public void invalidate(WalPosition position, List<String> groups) {
        pendingFence.accumulateAndGet(position, WalPosition::later);
        addPending(groups);
        replayPendingInvalidations();
        if (!groups.isEmpty()) {
            nearCache.awaitCopiesInvalidated();
        }
    }

    /**
     * Before the instance reports ready: connects to Redis and loads the scripts, so that the first
     * requests do not spend their command timeout on the handshake. A Redis that is down changes nothing.
     */
    @EventListener(ApplicationStartedEvent.class)
    public void warmUp() {
        try {
            redis.opsForValue().multiGet(List.of(WRITE_FENCE_KEY));
            for (RedisScript<Long> script : List.of(FILL, INVALIDATE)) {
                redis.execute((RedisCallback<String>) connection ->
                        connection.scriptingCommands().scriptLoad(script.getScriptAsString().getBytes(UTF_8)));
            }
        } catch (RuntimeException e) {
            log.warn("Redis is not reachable at start-up; the cache is bypassed until it is: {}", e.getMessage());
        }
    }

    /**
     * Whether the cache may be read: every invalidation of this instance has reached Redis, and the
     * breaker has been closed for {@link #SETTLING}, so the other instances' have too.
     */
    public boolean trusted() {
        return replayPendingInvalidations() && breaker.getState() == CircuitBreaker.State.CLOSED
                && System.nanoTime() - distrustedUntilNanos >= 0;
    }

    /**
     * Replays what is pending without waiting for a request (an idle instance's invalidations must not
     * wait for its next one), and otherwise PINGs, so that the breaker follows Redis while no request does.
     */
    @Scheduled(fixedDelay = HEARTBEAT_MILLIS)
    public void heartbeat() {
        if (replayPendingInvalidations()) {
            call(() -> redis.execute(RedisConnection::ping));
        }
    }

    /**
     * Sends the invalidations of this instance's writes that could not reach Redis yet; true when nothing
     * is left to send (only then does the cache hold every write of this instance).
     */
    public boolean replayPendingInvalidations() {
        if (pendingGroups.isEmpty() && pendingFence.get().equals(WalPosition.NONE) && !pendingOverflow) {
            return true;
        }
        replaying.lock();
        try {
            Map<String, Long> groups = Map.copyOf(pendingGroups);
            WalPosition fence = pendingFence.get();
            boolean overflow = pendingOverflow;
            if (groups.isEmpty() && fence.equals(WalPosition.NONE) && !overflow) {
                return true;
            }
            var keys = new ArrayList<String>();
            keys.add(WRITE_FENCE_KEY);
            keys.add(WRITE_FENCE_TIMELINE_KEY);
            for (String group : groups.keySet()) {
                keys.add(CacheKey.generationKey(group));
                keys.add(CacheKey.indexKey(group));
            }
            boolean done = call(() -> {
                if (overflow) {
                    dropEverything();
                }
                return redis.execute(INVALIDATE, keys, Long.toString(fence.lsn()), Integer.toString(fence.timeline()),
                        Long.toString(GENERATION_TTL.toMillis()));
            }).isPresent();
            if (done) {
                groups.forEach(pendingGroups::remove);   // (group, sequence): a later write's addition stays
                pendingFence.compareAndSet(fence, WalPosition.NONE);
                if (overflow) {
                    pendingOverflow = false;
                }
            }
            return done && pendingGroups.isEmpty() && pendingFence.get().equals(WalPosition.NONE) && !pendingOverflow;
        } finally {
            replaying.unlock();
        }
    }

    private void addPending(List<String> groups) {
        if (pendingGroups.size() + groups.size() > MAX_PENDING_GROUPS) {
            pendingOverflow = true;
            pendingGroups.clear();
        } else {
            groups.forEach(group -> pendingGroups.put(group, pendingSequence.incrementAndGet()));
        }
    }

    /** After an outage too long to track key by key: every cached entry goes (generations move on first). */
    private void dropEverything() {
        for (String pattern : List.of("product:*", "users:*")) {
            try (var cursor = redis.scan(ScanOptions.scanOptions()
                    .match(pattern).count(1000).build())) {
                cursor.forEachRemaining(key -> {
                    if (key.endsWith(":gen")) {
                        redis.opsForValue().increment(key);
                    } else {
                        redis.delete(key);
                    }
                });
            }
        }
    }

    /** Runs a Redis command through the breaker; empty when the breaker is open or the command failed. */
    private <T> Optional<T> call(Supplier<T> command) {
        try {
            return Optional.ofNullable(breaker.executeSupplier(command));
        } catch (CallNotPermittedException open) {
            return Optional.empty();
        } catch (RuntimeException e) {
            errors.increment();
            log.debug("Redis command failed: {}", e.toString());
            return Optional.empty();
        }
    }

    private void distrust() {
        distrustedUntilNanos = System.nanoTime() + SETTLING.toNanos();
    }

    /**
     * The fence as Redis holds it: {@link WalPosition#NONE} when no write ever set it; {@link WalPosition#LATEST}
     * (only the primary will do) when it cannot be read whole, e.g. an LSN an older version wrote alone.
     */
    static WalPosition fenceFrom(String lsn, String timeline) {
        if (lsn == null && timeline == null) {
            return WalPosition.NONE;
        }
        try {
            return new WalPosition(Integer.parseInt(timeline), Long.parseLong(lsn));
        } catch (NumberFormatException unreadable) {
            return WalPosition.LATEST;
        }
    }

    /**
     * @param value      the cached entry, or null
     * @param generation the group's generation ("" when it never was invalidated)
     * @param writeFence the latest WAL position written at by any instance, as Redis knows it
     */
    public record Snapshot(String value, String generation, WalPosition writeFence) {
    }
}
