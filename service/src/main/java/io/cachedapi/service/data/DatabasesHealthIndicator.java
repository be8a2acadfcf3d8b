package io.cachedapi.service.data;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness: the service can answer while at least one database pool answers (reads fall back to the
 * primary, and a primary outage still leaves cached and replica reads). Redis is deliberately absent.
 */
@Component("databasesHealthIndicator")
public class DatabasesHealthIndicator implements HealthIndicator {

    private static final int CHECK_TIMEOUT_SECONDS = 1;

    private final DataSource primary;
    private final DataSource replicas;

    public DatabasesHealthIndicator(@Qualifier(DatabasePools.WRITE) DataSource primary,
                                    @Qualifier(DatabasePools.READ) DataSource replicas) {
        this.primary = primary;
        this.replicas = replicas;
    }

    @Override
    public Health health() {
        boolean write = answers(primary);
        boolean read = answers(replicas);
        return (write || read ? Health.up() : Health.down())
                .withDetail("write", write ? "UP" : "DOWN")
                .withDetail("read", read ? "UP" : "DOWN")
                .build();
    }

    private static boolean answers(DataSource pool) {
        try (Connection connection = pool.getConnection()) {
            return connection.isValid(CHECK_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            return false;
        }
    }
}
