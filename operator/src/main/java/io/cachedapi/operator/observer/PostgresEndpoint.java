package io.cachedapi.operator.observer;

/** One PostgreSQL instance as the operator reaches it: its name (the pod name) and address. */
public record PostgresEndpoint(String name, String host, int port) {

    String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return name + " (" + host + ":" + port + ")";
    }
}
