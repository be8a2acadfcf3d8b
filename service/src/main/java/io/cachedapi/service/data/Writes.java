package io.cachedapi.service.data;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes on the primary, each in its own transaction. After the commit it reads the primary's WAL
 * position: a replica that has replayed up to there has the write, which is what read-your-writes
 * routing compares against. While the primary cannot be reached, or the write URL leads to a server in
 * recovery (a promotion under way), a circuit breaker refuses writes at once (503), instead of each
 * waiting the pool's connection timeout.
 * <p>
 * When it finds the primary on a timeline newer than it knew (a replica was promoted), it marks that
 * timeline with a row written on it before it answers (see {@link WalPosition#replayedBy}): replicas that
 * replay the new primary's WAL past the mark show that they follow it, and this instance's fence moves
 * onto the new timeline even when the new primary's position is below the old fence.
 */
@Component
public class Writes {

    private static final Logger log = LoggerFactory.getLogger(Writes.class);

    /** SQLSTATE read_only_sql_transaction: what a server in recovery answers a write with. */
    static final String READ_ONLY_TRANSACTION = "25006";

    /** Each instance marks a timeline the first time it finds the primary on it; a second mark changes nothing. */
    private static final String MARK_TIMELINE =
            "insert into wal_timelines (timeline) values (?) on conflict do nothing";

    private final JdbcClient primary;
    private final TransactionTemplate transaction;
    private final CircuitBreaker primaryBreaker;
    private final AtomicReference<WalPosition> ownFence = new AtomicReference<>(WalPosition.NONE);

    public Writes(@Qualifier(DatabasePools.WRITE) DataSource primaryPool, CircuitBreakerRegistry breakers) {
        var template = new JdbcTemplate(primaryPool);
        template.setExceptionTranslator(inRecoveryIsUnreachable(template.getExceptionTranslator()));
        this.primary = JdbcClient.create(template);
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
        return throughBreaker(() -> {
            T value = transaction.execute(status -> write.apply(primary));
            return new Committed<>(value, moveFenceTo(WalPosition.ofPrimary(primary)));
        });
    }

    /**
     * A read found the primary at {@code position}. On a timeline new to this instance (a promotion, and no
     * write here since) it marks the timeline, so that reads leave the primary without waiting for a write.
     * Never fails the read: a mark that cannot be written now is tried again by the next read.
     */
    public void primaryFoundAt(WalPosition position) {
        if (position.timeline() <= ownFence.get().timeline()) {
            return;
        }
        try {
            throughBreaker(() -> moveFenceTo(position));
        } catch (DataAccessException | TransactionException e) {
            log.warn("could not mark timeline {} of the primary yet: {}", position.timeline(), e.getMessage());
        }
    }

    /**
     * This instance's own write fence: the primary's position after its latest write or timeline mark. Its
     * own writes need no shared state to be read back.
     */
    public WalPosition ownFence() {
        return ownFence.get();
    }

    /**
     * The primary is at {@code position}: the fence moves there. On a timeline newer than this instance's
     * fence, the timeline is marked first, and the answer is the position after the mark: a replica that has
     * replayed that far shows the new timeline (the mark), and has every write the new primary holds.
     */
    private WalPosition moveFenceTo(WalPosition position) {
        WalPosition previous = ownFence.get();
        WalPosition at = position;
        if (at.timeline() > previous.timeline()) {
            primary.sql(MARK_TIMELINE).param(at.timeline()).update();
            at = WalPosition.ofPrimary(primary);
            if (previous.timeline() != 0) {
                log.info("the primary is on a new timeline (a replica was promoted): write fence {} replaces {}",
                        at, previous);
            }
        }
        ownFence.accumulateAndGet(at, WalPosition::later);
        return at;
    }

    private <T> T throughBreaker(Supplier<T> call) {
        try {
            return primaryBreaker.executeSupplier(call);
        } catch (CallNotPermittedException open) {
            throw new DataAccessResourceFailureException("the primary failed recently; writes wait for it to answer again");
        }
    }

    private static boolean primaryUnreachable(Throwable failure) {
        return failure instanceof TransactionException || failure instanceof DataAccessResourceFailureException;
    }

    /**
     * A write that reached a server in recovery (a replica behind the write URL while one is promoted) found
     * no primary: the same as an unreachable one (503, counted by the breaker), not a failed statement.
     */
    private static SQLExceptionTranslator inRecoveryIsUnreachable(SQLExceptionTranslator usual) {
        return (task, sql, e) -> READ_ONLY_TRANSACTION.equals(e.getSQLState())
                ? new DataAccessResourceFailureException(
                        "the write URL leads to a server in recovery: no primary takes writes", e)
                : usual.translate(task, sql, e);
    }

    public record Committed<T>(T value, WalPosition position) {
    }
}
