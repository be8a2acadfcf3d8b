package io.cachedapi.operator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.lifecycle.JdbcPostgresAdmin;
import io.cachedapi.operator.observer.PostgresEndpoint;
import io.cachedapi.testkit.Directories;
import io.cachedapi.testkit.PostgresCluster;
import io.cachedapi.testkit.PostgresInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap scripts through a data directory's whole life, on real PostgreSQL: restarts on a volume
 * that changed its permissions, a primary volume lost after the bootstrap, a clone interrupted half way,
 * a former primary coming back after a failover. The topology changes a test makes are those the
 * operator makes (what pods read at their next start); promotions go through the operator's own
 * {@link JdbcPostgresAdmin}.
 */
class LifecycleScriptsIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private PostgresCluster cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyInstanceComesBackFromARestartOnAVolumeThatMadeItsDataDirectoryGroupWritable() throws Exception {
        cluster = cluster(1).start();
        PostgresInstance primary = cluster.primary();
        PostgresInstance replica = cluster.replicas().getFirst();
        execute(primary, "create table kept (id int primary key)", "insert into kept values (1)");
        awaitRow(replica, 1);

        replica.stop();
        primary.stop();
        for (PostgresInstance instance : cluster.instances()) {
            chmod("2770", instance.dataDirectory());   // what a volume with fsGroup does on every mount
        }
        primary.start();
        replica.start();

        assertThat(queryLong(primary, "select count(*) from kept")).isEqualTo(1);
        assertThat(inRecovery(replica)).isTrue();
        execute(primary, "insert into kept values (2)");
        awaitRow(replica, 2);
    }

    @Test
    void aPrimaryVolumeLostAfterTheBootstrapIsNeverInitialisedAgainButClonedFromThePromotedReplica() throws Exception {
        cluster = cluster(1).start();
        PostgresInstance first = cluster.primary();
        PostgresInstance second = cluster.replicas().getFirst();
        cluster.setTopology(first, true);   // the operator records the bootstrap once the primary answers
        execute(first, "create table kept (id int primary key)", "insert into kept values (1)");
        awaitRow(second, 1);

        first.kill();
        Directories.deleteRecursively(first.dataDirectory());
        first.launch();

        await("the emptied primary refuses to initialise").atMost(WAIT)
                .until(() -> first.process().map(process -> !process.isAlive()).orElse(true));
        assertThat(Files.readString(first.logFile())).contains("initdb will not run");
        assertThat(first.dataDirectory().resolve("PG_VERSION")).doesNotExist();

        new JdbcPostgresAdmin(cluster.credentials().superuser(), cluster.credentials().superuserPassword(),
                Duration.ofSeconds(30)).promote(endpoint(second));
        cluster.setTopology(second, true);
        first.start();

        assertThat(inRecovery(first)).as("pod 0 is a replica now").isTrue();
        assertThat(queryLong(first, "select count(*) from kept")).isEqualTo(1);
        execute(second, "insert into kept values (2)");
        awaitRow(first, 2);
    }

    @Test
    void aReplicaKilledHalfWayThroughItsCloneDiscardsItAndClonesAgainNeverRunningAsAPrimary() throws Exception {
        cluster = cluster(1).build();
        PostgresInstance primary = cluster.primary();
        PostgresInstance replica = cluster.replicas().getFirst();
        primary.start();
        // enough data that the clone takes a while: the kill lands in the middle of it
        execute(primary, "create table bulk (id int primary key, padding text)",
                "insert into bulk select n, repeat('x', 1000) from generate_series(1, 200000) n");
        Path clone = Path.of(replica.dataDirectory() + ".clone");

        replica.launch();
        await("the clone has begun").atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> Files.exists(clone));
        replica.kill();

        assertThat(replica.dataDirectory().resolve("PG_VERSION")).as("nothing half-done was moved into place")
                .doesNotExist();
        replica.start();

        assertThat(Files.readString(replica.logFile())).contains("discarding " + clone);
        assertThat(inRecovery(replica)).isTrue();
        assertThat(queryLong(replica, "select count(*) from bulk")).isEqualTo(200000);
        assertThat(clone).doesNotExist();
    }

    @Test
    void aFormerPrimaryComingBackAfterAFailoverIsRewoundAndFollowsTheNewPrimary() throws Exception {
        cluster = cluster(1).start();
        PostgresInstance first = cluster.primary();
        PostgresInstance second = cluster.replicas().getFirst();
        cluster.setTopology(first, true);
        execute(first, "create table kept (id int primary key)", "insert into kept values (1)");
        awaitRow(second, 1);

        // the old primary goes on alone for a moment (a write its replica never receives), then dies
        second.stop();
        execute(first, "insert into kept values (99)");
        first.kill();
        second.start();
        new JdbcPostgresAdmin(cluster.credentials().superuser(), cluster.credentials().superuserPassword(),
                Duration.ofSeconds(30)).promote(endpoint(second));
        cluster.setTopology(second, true);
        execute(second, "insert into kept values (2)");

        first.start();

        assertThat(Files.readString(first.logFile())).contains("rewinding", "rewound: following shop-pg-1");
        assertThat(inRecovery(first)).isTrue();
        awaitRow(first, 2);
        assertThat(queryLong(first, "select count(*) from kept where id = 99"))
                .as("the write only the old primary had is gone, as on the new primary").isZero();
        await("the new primary streams to it").atMost(WAIT).until(() -> queryLong(second,
                "select count(*) from pg_stat_replication where application_name = 'shop-pg-0' and state = 'streaming'") == 1);
    }

    /**
     * After a promotion the operator makes the other replicas' WAL receivers connect afresh (one caught
     * connecting to a hung primary would wait for ever): a new receiver streams, asking twice for the same
     * primary changes nothing more, and the next start forgets the operator's override.
     */
    @Test
    void aReplicaToldToReconnectStartsANewReceiverAndItsNextStartForgetsTheOverride() throws Exception {
        cluster = cluster(1).start();
        PostgresInstance primary = cluster.primary();
        PostgresInstance replica = cluster.replicas().getFirst();
        execute(primary, "create table kept (id int primary key)", "insert into kept values (1)");
        awaitRow(replica, 1);
        long receiver = streamingReceiver(replica);
        var admin = new JdbcPostgresAdmin(cluster.credentials().superuser(), cluster.credentials().superuserPassword(),
                Duration.ofSeconds(30));

        admin.reconnectReceiver(endpoint(replica), primary.name());

        await("a new WAL receiver streams").atMost(WAIT).ignoreExceptions()
                .until(() -> streamingReceiver(replica) != receiver);
        long reconnected = streamingReceiver(replica);
        admin.reconnectReceiver(endpoint(replica), primary.name());
        execute(primary, "insert into kept values (2)");
        awaitRow(replica, 2);
        assertThat(streamingReceiver(replica)).as("the same primary asked again: no second restart").isEqualTo(reconnected);

        replica.stop();
        replica.start();
        assertThat(text(replica, "show primary_conninfo")).doesNotContain("cachedapi.follows");
        execute(primary, "insert into kept values (3)");
        awaitRow(replica, 3);
    }

    /** The pid of the replica's WAL receiver while it streams (it fails otherwise). */
    private static long streamingReceiver(PostgresInstance replica) throws SQLException {
        return queryLong(replica, "select pid from pg_stat_wal_receiver where status = 'streaming'");
    }

    private static String text(PostgresInstance instance, String sql) throws SQLException {
        try (Connection connection = instance.connectAsSuperuser(); var statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getString(1);
        }
    }

    private static PostgresCluster.Builder cluster(int replicas) {
        return PostgresCluster.builder(scripts()).name("shop-pg").replicas(replicas);
    }

    private static Path scripts() {
        try {
            return BootstrapScripts.writeTo(Files.createTempDirectory("cachedapi-scripts-")).getParent();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static PostgresEndpoint endpoint(PostgresInstance instance) {
        return new PostgresEndpoint(instance.name(), instance.host(), instance.port());
    }

    private static void awaitRow(PostgresInstance instance, int id) {
        try {
            await(instance.name() + " has row " + id).atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> queryLong(instance, "select count(*) from kept where id = " + id) == 1);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + instance.process().map(process -> process.logTail()).orElse(""), e);
        }
    }

    private static void execute(PostgresInstance instance, String... statements) throws SQLException {
        try (Connection connection = instance.connectAsSuperuser(); var statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static long queryLong(PostgresInstance instance, String sql) throws SQLException {
        try (Connection connection = instance.connectAsSuperuser(); var statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    private static boolean inRecovery(PostgresInstance instance) throws SQLException {
        try (Connection connection = instance.connectAsSuperuser(); var statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select pg_is_in_recovery()")) {
            row.next();
            return row.getBoolean(1);
        }
    }

    private static void chmod(String mode, Path path) throws IOException, InterruptedException {
        Process chmod = new ProcessBuilder(new ArrayList<>(List.of("chmod", mode, path.toString())))
                .redirectErrorStream(true).start();
        assertThat(chmod.waitFor()).as(new String(chmod.getInputStream().readAllBytes())).isZero();
    }
}
