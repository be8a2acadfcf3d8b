package io.cachedapi.service.data;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import io.cachedapi.service.config.CachedApiProperties;
import java.sql.SQLException;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * The two connection pools of the read/write split. The write pool (the primary) is the application's
 * primary DataSource: Flyway, transactions and read-after-write use it. The read pool (the replicas)
 * may be down at start-up and fails fast, so that reads fall back to the primary instead of waiting.
 */
@Configuration(proxyBeanMethods = false)
public class DatabasePools {

    public static final String WRITE = "writeDataSource";
    public static final String READ = "readDataSource";

    /** How long a request waits for a connection to the primary before it is answered 503. */
    private static final Duration WRITE_CONNECTION_TIMEOUT = Duration.ofMillis(500);

    @Bean(WRITE)
    @Primary
    HikariDataSource writeDataSource(CachedApiProperties properties) {
        HikariDataSource pool = pool("write", properties.db().writeUrl(), properties.db());
        // Bounds how long a write waits when the primary is gone (the first few, and the breaker's probe):
        // a connection is held for a few milliseconds per write, so a healthy pool never comes near it.
        pool.setConnectionTimeout(WRITE_CONNECTION_TIMEOUT.toMillis());
        pool.addDataSourceProperty("connectTimeout", "2");
        pool.addDataSourceProperty("socketTimeout", "30");
        pool.setExceptionOverride(retireAllWhenInRecovery(pool));
        return pool;
    }

    /**
     * A write pool connection to a server in recovery (the write URL led to a replica while one was being
     * promoted) refuses every write for as long as it lives, and so may every other connection made while
     * the write URL led there: the first refusal retires them all, so the next writes connect again and
     * reach whatever the write URL leads to by then. Softly: the connection in use still rolls back first.
     */
    private static SQLExceptionOverride retireAllWhenInRecovery(HikariDataSource pool) {
        return new SQLExceptionOverride() {
            @java.lang.Override
            public Override adjudicate(SQLException e) {
                if (!Writes.READ_ONLY_TRANSACTION.equals(e.getSQLState())) {
                    return Override.CONTINUE_EVICT;
                }
                pool.getHikariPoolMXBean().softEvictConnections();
                return Override.DO_NOT_EVICT;
            }
        };
    }

    @Bean(READ)
    HikariDataSource readDataSource(CachedApiProperties properties) {
        HikariDataSource pool = pool("read", properties.db().readUrl(), properties.db());
        pool.setInitializationFailTimeout(-1);                      // a replica may come up after us
        pool.setConnectionTimeout(Duration.ofMillis(250).toMillis()); // Hikari's minimum
        pool.setValidationTimeout(Duration.ofMillis(250).toMillis());
        pool.addDataSourceProperty("connectTimeout", "1");
        pool.addDataSourceProperty("socketTimeout", "10");
        pool.setReadOnly(true);
        return pool;
    }

    private static HikariDataSource pool(String name, String url, CachedApiProperties.Db db) {
        var pool = new HikariDataSource();
        pool.setPoolName(name);
        pool.setJdbcUrl(url);
        pool.setUsername(db.username());
        pool.setPassword(db.password());
        pool.setMaximumPoolSize(10);
        pool.addDataSourceProperty("ApplicationName", "cachedapi-" + name);
        pool.addDataSourceProperty("tcpKeepAlive", "true");
        return pool;
    }
}
