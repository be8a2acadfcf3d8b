package io.cachedapi.service.data;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs read queries on a replica when one answers and has replayed every write the reader depends
 * on (the fence, on the fence's own timeline), otherwise on the primary. A replica that fails opens a
 * circuit breaker, so while it is down reads go straight to the primary instead of each waiting for a
 * connection first.
 */
@Component
public class ReadRouter {

    private static final Logger log = LoggerFactory.getLogger(ReadRouter.class);

    private final JdbcClient replica;
    private final JdbcClient primary;
    private final TransactionTemplate onReplica;
    private final TransactionTemplate onPrimary;
    private final CircuitBreaker replicaBreaker;
    private final Counter replicaReads;
    private final Counter primaryReads;
    private final Counter lagFallbacks;
    private final Writes writes;

    public ReadRouter(@Qualifier(DatabasePools.WRITE) DataSource primaryPool,
                      @Qualifier(DatabasePools.READ) DataSource replicaPool,
                      Writes writes, CircuitBreakerRegistry breakers, MeterRegistry meters) {
        this.writes = writes;
        this.replica = JdbcClient.create(replicaPool);
        this.primary = JdbcClient.create(primaryPool);
        this.onReplica = readOnly(replicaPool);
        this.onPrimary = readOnly(primaryPool);
        this.replicaBreaker = breakers.circuitBreaker("replica", CircuitBreakerConfig.custom()
                .slidingWindowSize(10)
                .minimumNumberOfCalls(3)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(2))
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());
        this.replicaReads = readsCounter(meters, "replica");
        this.primaryReads = readsCounter(meters, "primary");
        this.lagFallbacks = Counter.builder("cachedapi.db.replica.lag.fallbacks")
                .description("Reads sent to the primary because the replica had not replayed a write they depend on")
                .register(meters);
    }

    /**
     * Runs {@code query} where it may: on a replica that has replayed up to {@code fence} on the fence's
     * timeline ({@link WalPosition#NONE}: no requirement; {@link WalPosition#LATEST}: only the primary is
     * known to be up to date), else on the primary. Each run is one read-only transaction, so the replay
     * check and the query see the same server.
     */
    public <T> Routed<T> read(WalPosition fence, Function<JdbcClient, T> query) {
        boolean lagging = false;
        if (!fence.equals(WalPosition.LATEST) && replicaBreaker.tryAcquirePermission()) {
            long start = System.nanoTime();
            try {
                Routed<T> routed = onReplica.execute(status -> {
                    if (!fence.equals(WalPosition.NONE) && !WalPosition.replayedBy(replica).reached(fence)) {
                        return null;
                    }
                    return new Routed<>(query.apply(replica), Source.REPLICA);
                });
                replicaBreaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                if (routed != null) {
                    replicaReads.increment();
                    return routed;
                }
                lagging = true;
                lagFallbacks.increment();
            } catch (DataAccessException | TransactionException e) {
                replicaBreaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
                log.warn("replica read failed, reading from the primary: {}", e.getMostSpecificCause().getMessage());
            }
        }
        try {
            boolean askPosition = lagging;
            OnPrimary<T> found = onPrimary.execute(status -> new OnPrimary<>(query.apply(primary),
                    askPosition ? WalPosition.ofPrimary(primary) : WalPosition.NONE));
            primaryReads.increment();
            // The replica may lag only because the fence is on a timeline it will never replay (a promotion
            // since): then the primary's own, newer timeline is what the next reads wait for (Writes marks it).
            writes.primaryFoundAt(found.position());
            return new Routed<>(found.value(), Source.PRIMARY);
        } catch (DataAccessException | TransactionException primaryDown) {
            // The primary is gone and the replica is all there is, whatever happened above: it lagged, was not
            // asked, failed once (a broken pooled connection: the next one is new) or is behind an open breaker
            // (a moment's wait for a connection beats a certain failure). It may lack the last writes the
            // primary acknowledged before it died (asynchronous replication), but answering beats failing.
            log.warn("primary read failed, answering from the replica: {}", primaryDown.getMessage());
            T value = onReplica.execute(status -> query.apply(replica));
            replicaReads.increment();
            return new Routed<>(value, Source.REPLICA);
        }
    }

    private static TransactionTemplate readOnly(DataSource pool) {
        var template = new TransactionTemplate(new DataSourceTransactionManager(pool));
        template.setReadOnly(true);
        return template;
    }

    private static Counter readsCounter(MeterRegistry meters, String target) {
        return Counter.builder("cachedapi.db.reads")
                .description("Database reads by the server that answered them")
                .tag("target", target)
                .register(meters);
    }

    /** Where a read was answered; the {@code source} of a response. */
    public enum Source {
        CACHE, REPLICA, PRIMARY;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public record Routed<T>(T value, Source source) {
    }

    /** A primary read and, when the replica lagged behind the fence, where the primary was. */
    private record OnPrimary<T>(T value, WalPosition position) {
    }
}
