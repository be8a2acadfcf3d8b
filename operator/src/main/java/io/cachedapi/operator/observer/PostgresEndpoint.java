package io.cachedapi.operator.observer;

/** One PostgreSQL instance as the operator reaches it: its name (the pod name) and address (null: none yet). */
public record PostgresEndpoint(String name, String host, int port) {

    public boolean hasAddress() {
        return host != null;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return hasAddress() ? name + " (" + host + ":" + port + ")" : name + " (no address: its pod is not running)";
    }
}
