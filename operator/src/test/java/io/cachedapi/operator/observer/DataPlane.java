package io.cachedapi.operator.observer;

import io.cachedapi.operator.postgres.BootstrapScripts;
import io.cachedapi.testkit.PostgresCluster;
import io.cachedapi.testkit.PostgresInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Real PostgreSQL clusters for these tests, bootstrapped by the scripts this module ships. */
final class DataPlane {

    static final long MAX_REPLAY_LAG_BYTES = 16L * 1024 * 1024;

    private DataPlane() {
    }

    /** A primary ({@code shop-pg-0}) and {@code replicas} streaming replicas, started. */
    static PostgresCluster startCluster(int replicas) {
        return PostgresCluster.builder(operatorScripts()).name("shop-pg").replicas(replicas).start();
    }

    static ReplicationProbe probeFor(PostgresCluster cluster) {
        var credentials = cluster.credentials();
        return new JdbcReplicationProbe(credentials.superuser(), credentials.superuserPassword(),
                Duration.ofSeconds(3), MAX_REPLAY_LAG_BYTES);
    }

    static ReplicationReport probe(PostgresCluster cluster) {
        return probeFor(cluster).probe(endpoint(cluster.primary()),
                cluster.replicas().stream().map(DataPlane::endpoint).toList());
    }

    static PostgresEndpoint endpoint(PostgresInstance instance) {
        return new PostgresEndpoint(instance.name(), instance.host(), instance.port());
    }

    private static Path operatorScripts() {
        try {
            Path directory = Files.createTempDirectory("cachedapi-scripts-");
            return BootstrapScripts.writeTo(directory).getParent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
