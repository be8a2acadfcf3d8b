package io.cachedapi.operator.observer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * One PostgreSQL instance as the operator reaches it: its name (the pod name) and address (null: none
 * yet). {@code notAsked} says why it is reported unreachable without a connection attempt (null: it is asked).
 */
public record PostgresEndpoint(String name, String host, int port, String notAsked) {

    public PostgresEndpoint(String name, String host, int port) {
        this(name, host, port, null);
    }

    /** The replication slot the bootstrap scripts (common.sh's slot_name) and the operator keep for an instance. */
    public static String slotName(String instance) {
        return instance.toLowerCase(java.util.Locale.ROOT).replace('-', '_').replace('.', '_');
    }

    public boolean hasAddress() {
        return host != null;
    }

    /**
     * The same instance, reported unreachable at once: one the primary watch already finds silent would
     * only hold the reconcile for a timeout before the failover it is waiting for.
     */
    public PostgresEndpoint withoutAsking(String why) {
        return new PostgresEndpoint(name, host, port, why);
    }

    /**
     * A connection to the instance's maintenance database, as the operator opens them all: bounded
     * connect and login ({@code login}), bounded statements ({@code statements}), named for
     * {@code pg_stat_activity}. An endpoint without an address, or not to be asked, fails at once,
     * without a connection attempt.
     */
    public Connection connect(String user, String password, Duration login, Duration statements, String application)
            throws SQLException {
        if (!hasAddress()) {
            throw new SQLException("no address: its pod is not running");
        }
        if (notAsked != null) {
            throw new SQLException(notAsked);
        }
        var properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", Long.toString(Math.max(1, login.toSeconds())));
        properties.setProperty("loginTimeout", Long.toString(Math.max(1, login.toSeconds())));
        properties.setProperty("socketTimeout", Long.toString(Math.max(1, statements.toSeconds())));
        properties.setProperty("ApplicationName", application);
        return DriverManager.getConnection(jdbcUrl("postgres"), properties);
    }

    private String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return hasAddress() ? name + " (" + host + ":" + port + ")" : name + " (no address: its pod is not running)";
    }
}
