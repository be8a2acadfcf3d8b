package io.cachedapi.service.data;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes on the primary, each in its own transaction. After the commit it reads the primary's WAL
 * position: a replica that has replayed up to there has the write, which is what read-your-writes
 * routing compares against. While the primary cannot be reached a circuit breaker refuses writes at
 * once (503), instead of each waiting the pool's connection timeout.
 */
@Component
public class Writes {

    private static final String CURRENT_LSN = "select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint";

    private final JdbcClient primary;
    private final TransactionTemplate transaction;
    private final CircuitBreaker primaryBreaker;
    private final AtomicLong lastCommittedLsn = new AtomicLong();

    public Writes(@Qualifier(DatabasePools.WRITE) DataSource primaryPool, CircuitBreakerRegistry breakers) {
        this.primary = JdbcClient.create(primaryPool);
        this.transaction = new TransactionTemplate(new DataSourceTransactionManager(primaryPool));
        this.primaryBreaker = breakers.circuitBreaker("primary", CircuitBreakerConfig.custom()
                .slidingWindowSize(10)
                .minimumNumberOfCalls(3)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(1))
                .permittedNumberOfCallsInHalfOpenState(1)
                // Only an unreachable primary counts: a refused write (a constraint) says it is up.
                .recordException(Writes::primaryUnreachable)
                .writableStackTraceEnabled(false)
                .build());
    }

    public <T> Committed<T> commit(Function<JdbcClient, T> write) {
        try {
            return primaryBreaker.executeSupplier(() -> {
                T value = transaction.execute(status -> write.apply(primary));
                long lsn = primary.sql(CURRENT_LSN).query(Long.class).single();
                lastCommittedLsn.accumulateAndGet(lsn, Math::max);
                return new Committed<>(value, lsn);
            });
        } catch (CallNotPermittedException open) {
            throw new DataAccessResourceFailureException("the primary failed recently; writes wait for it to answer again");
        }
    }

    /** The WAL position after this instance's latest write: its own writes need no shared state to be read back. */
    public long lastCommittedLsn() {
        return lastCommittedLsn.get();
    }

    private static boolean primaryUnreachable(Throwable failure) {
        return failure instanceof TransactionException || failure instanceof DataAccessResourceFailureException;
    }

    public record Committed<T>(T value, long lsn) {
    }
}
