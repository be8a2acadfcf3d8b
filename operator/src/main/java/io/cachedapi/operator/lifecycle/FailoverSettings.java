package io.cachedapi.operator.lifecycle;

import java.time.Duration;

/**
 * How the operator treats a lost primary.
 *
 * @param maxLagBytes       a replica further behind the primary's last known position than this is
 *                          never promoted (MAX_LAG_ON_FAILOVER_BYTES, default 32 MiB like Patroni)
 * @param watchPeriod       how often the primary is asked whether it is there (PRIMARY_CHECK_MILLIS, 1 s)
 * @param promotionTimeout  how long pg_promote() may take before the step is retried
 */
public record FailoverSettings(long maxLagBytes, Duration watchPeriod, Duration promotionTimeout) {

    public static final FailoverSettings DEFAULTS =
            new FailoverSettings(32L * 1024 * 1024, Duration.ofSeconds(1), Duration.ofSeconds(30));
}
