package io.cachedapi.service.data;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes on the primary, each in its own transaction. After the commit it reads the primary's WAL
 * position: a replica that has replayed up to there has the write, which is what read-your-writes
 * routing compares against.
 */
@Component
public class Writes {

    private static final String CURRENT_LSN = "select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint";

    private final JdbcClient primary;
    private final TransactionTemplate transaction;
    private final AtomicLong lastCommittedLsn = new AtomicLong();

    public Writes(@Qualifier(DatabasePools.WRITE) DataSource primaryPool) {
        this.primary = JdbcClient.create(primaryPool);
        this.transaction = new TransactionTemplate(new DataSourceTransactionManager(primaryPool));
    }

    public <T> Committed<T> commit(Function<JdbcClient, T> write) {
        T value = transaction.execute(status -> write.apply(primary));
        long lsn = primary.sql(CURRENT_LSN).query(Long.class).single();
        lastCommittedLsn.accumulateAndGet(lsn, Math::max);
        return new Committed<>(value, lsn);
    }

    /** The WAL position after this instance's latest write: its own writes need no shared state to be read back. */
    public long lastCommittedLsn() {
        return lastCommittedLsn.get();
    }

    public record Committed<T>(T value, long lsn) {
    }
}
