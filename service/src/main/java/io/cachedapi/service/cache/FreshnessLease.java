package io.cachedapi.service.cache;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * How recently a tracked connection is known to have delivered everything Redis queued for it. A PING
 * goes out every {@link #HEARTBEAT}; once it is answered, every invalidation Redis queued before it
 * arrived has been applied (Redis answers a connection in order). Copies may be served while the last
 * answered PING was sent less than {@link #LEASE} ago. A writer that waits {@code LEASE} after its
 * invalidation has completed therefore knows that no copy from before its write is served afterwards,
 * on any instance: a copy served later comes with a PING sent after the invalidation.
 */
final class FreshnessLease implements AutoCloseable {

    static final Duration HEARTBEAT = Duration.ofMillis(1);
    static final Duration LEASE = Duration.ofMillis(5);

    private final Supplier<CompletionStage<String>> ping;
    private final Runnable onFailure;
    private final AtomicBoolean pinging = new AtomicBoolean();
    private final ScheduledFuture<?> heartbeat;

    /** When the last answered PING was sent; nothing is known at first. */
    private volatile long confirmedNanos = System.nanoTime() - LEASE.toNanos();

    /**
     * @param ping      sends a PING; fails (Lettuce's command timeout) when it is not answered
     * @param onFailure told when a PING fails: the connection can no longer be trusted
     */
    FreshnessLease(Supplier<CompletionStage<String>> ping, ScheduledExecutorService scheduler, Runnable onFailure) {
        this.ping = ping;
        this.onFailure = onFailure;
        this.heartbeat = scheduler.scheduleAtFixedRate(this::beat, 0, HEARTBEAT.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether copies may be served now. */
    boolean fresh() {
        return System.nanoTime() - confirmedNanos < LEASE.toNanos();
    }

    /** One PING at a time: a slow answer delays the next instead of piling them up. */
    private void beat() {
        if (!pinging.compareAndSet(false, true)) {
            return;
        }
        long sent = System.nanoTime();
        ping.get().whenComplete((pong, error) -> {
            if (error == null) {
                confirmedNanos = sent;
            }
            pinging.set(false);
            if (error != null) {
                onFailure.run();
            }
        });
    }

    @Override
    public void close() {
        heartbeat.cancel(false);
    }
}
