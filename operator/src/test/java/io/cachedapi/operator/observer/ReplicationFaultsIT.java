package io.cachedapi.operator.observer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.observer.ReplicationReport.Problem;
import io.cachedapi.operator.observer.ReplicationReport.Reason;
import io.cachedapi.testkit.PostgresCluster;
import io.cachedapi.testkit.PostgresInstance;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the operator's probe reports when a replica is not replicating, on real PostgreSQL. */
class ReplicationFaultsIT {

    private PostgresCluster cluster;
    private PostgresInstance replica;

    @BeforeEach
    void startCluster() {
        cluster = DataPlane.startCluster(1);
        replica = cluster.replicas().getFirst();
        // a replica accepts connections a moment before its WAL receiver streams: wait for that, not a time
        await("healthy before the fault").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(DataPlane.probe(cluster).problems()).isEmpty());
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The seeds' failure: a "replica" that runs as a second primary and silently receives nothing. */
    @Test
    void aReplicaPromotedBehindTheOperatorsBackIsReportedNotInRecovery() throws Exception {
        try (Connection connection = replica.connectAsSuperuser(); var statement = connection.createStatement()) {
            statement.execute("select pg_promote(true, 30)");
        }

        try (Connection connection = replica.connectAsSuperuser();
             var statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select pg_is_in_recovery()")) {
            row.next();
            assertThat(row.getBoolean(1)).as("the instance itself says it is a primary").isFalse();
        }
        ReplicationReport report = DataPlane.probe(cluster);

        assertThat(report.healthy()).isFalse();
        assertThat(report.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.instance()).isEqualTo("shop-pg-1");
            assertThat(problem.reason()).isEqualTo(Reason.ReplicaNotInRecovery);
            assertThat(problem.message()).contains("shop-pg-1", "pg_is_in_recovery() = false", "delete its pod");
        });
    }

    /** What the message tells a person to do works: restarted, the second primary rejoins as a replica. */
    @Test
    void aReplicaWhoseStandbySignalIsGoneRejoinsThePrimaryAtItsNextStart() throws Exception {
        replica.stop();
        Files.delete(replica.dataDirectory().resolve("standby.signal"));

        replica.start();

        await("streaming again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> DataPlane.probe(cluster).healthy());
        assertThat(Files.readString(replica.logFile())).contains("rejoining shop-pg-0", "following shop-pg-0");
    }

    @Test
    void aStoppedReplicaIsReportedUnreachableAndHealthyAgainOnceRestarted() {
        replica.stop();

        ReplicationReport report = DataPlane.probe(cluster);

        assertThat(report.problems()).extracting(Problem::instance, Problem::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("shop-pg-1", Reason.ReplicaUnreachable));

        replica.start();
        await("replication healthy again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> DataPlane.probe(cluster).healthy());
    }

    /**
     * A replica of another cluster (a volume restored from elsewhere, say) can never follow this primary:
     * reported as such, with a reason the lifecycle re-clones it for. Both clusters share the superuser's
     * password here, so one probe reaches both.
     */
    @Test
    void aReplicaOfAnotherClusterIsReportedAsOneToClone() throws Exception {
        try (PostgresCluster other = DataPlane.startCluster(0)) {
            try (Connection connection = cluster.primary().connectAsSuperuser();
                 var statement = connection.createStatement()) {
                statement.execute("alter role " + cluster.credentials().superuser() + " password "
                        + statement.enquoteLiteral(other.credentials().superuserPassword()));
            }
            await("the replica has the new password").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> probeAgainst(other).replicas().getFirst().reachable());

            ReplicationReport report = probeAgainst(other);

            assertThat(report.problems()).singleElement().satisfies(problem -> {
                assertThat(problem.instance()).isEqualTo("shop-pg-1");
                assertThat(problem.reason()).isEqualTo(Reason.OtherSystem);
                assertThat(problem.reason().needsClone()).isTrue();
                assertThat(problem.message()).contains("another cluster", "cloned afresh");
            });
        }
    }

    /** This cluster's replica probed as if it were a replica of {@code other}'s primary. */
    private ReplicationReport probeAgainst(PostgresCluster other) {
        return DataPlane.probeFor(other).probe(DataPlane.endpoint(other.primary()), List.of(DataPlane.endpoint(replica)));
    }
}
