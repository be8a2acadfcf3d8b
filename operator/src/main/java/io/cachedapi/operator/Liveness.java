package io.cachedapi.operator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * The operator's liveness: its informers may be unhealthy for a while (a watch reconnecting after the
 * API server closed it, which java-operator-sdk 5.2 reports as unhealthy), and a restart would not
 * help then; only informers unhealthy for longer than {@code grace} without a break mean the process
 * is stuck and a restart is worth it.
 */
final class Liveness implements BooleanSupplier {

    private final BooleanSupplier informersHealthy;
    private final Duration grace;
    private final Clock clock;
    private Instant unhealthySince;   // null while healthy

    Liveness(BooleanSupplier informersHealthy, Duration grace, Clock clock) {
        this.informersHealthy = informersHealthy;
        this.grace = grace;
        this.clock = clock;
    }

    @Override
    public synchronized boolean getAsBoolean() {
        if (informersHealthy.getAsBoolean()) {
            unhealthySince = null;
            return true;
        }
        Instant now = clock.instant();
        if (unhealthySince == null) {
            unhealthySince = now;
        }
        return Duration.between(unhealthySince, now).compareTo(grace) <= 0;
    }
}
