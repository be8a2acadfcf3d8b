package io.cachedapi.operator.observer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cachedapi.testkit.PostgresCluster;
import io.cachedapi.testkit.PostgresCredentials;
import io.cachedapi.testkit.PostgresInstance;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A primary and two replicas bootstrapped by the operator's scripts, checked through PostgreSQL itself. */
class StreamingReplicationIT {

    private static PostgresCluster cluster;
    private static PostgresCredentials credentials;

    @BeforeAll
    static void startCluster() {
        cluster = DataPlane.startCluster(2);
        credentials = cluster.credentials();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyReplicaIsInRecoveryAndItsWalReceiverIsStreaming() throws SQLException {
        for (PostgresInstance replica : cluster.replicas()) {
            try (Connection connection = replica.connectAsSuperuser()) {
                assertThat(single(connection, "select pg_is_in_recovery()::text")).as(replica.name()).isEqualTo("true");
                assertThat(single(connection, "select status from pg_stat_wal_receiver")).as(replica.name())
                        .isEqualTo("streaming");
            }
        }
    }

    @Test
    void thePrimaryIsNotInRecoveryAndListsEachReplicaAsStreaming() throws SQLException {
        try (Connection connection = cluster.primary().connectAsSuperuser()) {
            assertThat(single(connection, "select pg_is_in_recovery()::text")).isEqualTo("false");
            Map<String, String> states = new HashMap<>();
            try (var statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("select application_name, state from pg_stat_replication")) {
                while (rows.next()) {
                    states.put(rows.getString(1), rows.getString(2));
                }
            }
            assertThat(states).containsExactlyInAnyOrderEntriesOf(Map.of("shop-pg-1", "streaming", "shop-pg-2", "streaming"));
        }
    }

    @Test
    void eachReplicaHasItsOwnPhysicalSlotOnThePrimary() throws SQLException {
        try (Connection connection = cluster.primary().connectAsSuperuser();
             var statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "select slot_name, slot_type, active from pg_replication_slots order by slot_name")) {
            var slots = new HashMap<String, String>();
            while (rows.next()) {
                slots.put(rows.getString(1), rows.getString(2) + "/" + rows.getBoolean(3));
            }
            assertThat(slots).containsExactlyInAnyOrderEntriesOf(
                    Map.of("shop_pg_1", "physical/true", "shop_pg_2", "physical/true"));
        }
    }

    @Test
    void theOperatorsProbeReportsReplicationHealthy() {
        ReplicationReport report = DataPlane.probe(cluster);

        assertThat(report.problems()).isEmpty();
        assertThat(report.healthy()).isTrue();
        assertThat(report.replicas()).extracting(ReplicationReport.ReplicaState::name)
                .containsExactly("shop-pg-1", "shop-pg-2");
        assertThat(report.replicas()).allSatisfy(replica -> {
            assertThat(replica.inRecovery()).isTrue();
            assertThat(replica.walReceiverStatus()).isEqualTo("streaming");
            assertThat(replica.primaryReportedState()).isEqualTo("streaming");
            assertThat(replica.replayLagBytes()).isNotNull().isLessThan(DataPlane.MAX_REPLAY_LAG_BYTES);
        });
    }

    @Test
    void aRowWrittenOnThePrimaryBecomesVisibleOnEveryReplica() throws SQLException {
        try (Connection primary = appConnection(cluster.primary()); var statement = primary.createStatement()) {
            statement.execute("create table if not exists replication_check (id bigint primary key, note text)");
            statement.execute("insert into replication_check values (42, 'written on the primary')");
        }

        for (PostgresInstance replica : cluster.replicas()) {
            await(replica.name() + " sees the row").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions()
                    .until(() -> {
                        try (Connection connection = appConnection(replica)) {
                            return "written on the primary".equals(
                                    single(connection, "select note from replication_check where id = 42"));
                        }
                    });
        }
    }

    @Test
    void aWriteOnAReplicaIsRefused() throws SQLException {
        PostgresInstance replica = cluster.replicas().getFirst();
        try (Connection connection = appConnection(replica); var statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.execute("create table written_on_a_replica (id int)"))
                    .isInstanceOf(SQLException.class)
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("25006"); // read_only_sql_transaction
        }
    }

    @Test
    void theReplicationRoleCannotLogIntoTheAppDatabase() {
        assertThatThrownBy(() -> cluster.primary().connect(
                credentials.replicationUser(), credentials.replicationPassword(), cluster.database()).close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("no pg_hba.conf entry")
                .hasMessageContaining(credentials.replicationUser());
    }

    @Test
    void onlyTheReplicationRoleMayOpenAReplicationConnection() throws SQLException {
        // The replication role can: the positive control that makes the refusal below meaningful.
        try (Connection replication = replicationConnection(credentials.replicationUser(), credentials.replicationPassword());
             var statement = replication.createStatement();
             ResultSet system = statement.executeQuery("IDENTIFY_SYSTEM")) {
            assertThat(system.next()).isTrue();
            assertThat(system.getString("systemid")).isNotBlank();
        }

        assertThatThrownBy(() -> replicationConnection(credentials.appUser(), credentials.appPassword()).close())
                .isInstanceOf(SQLException.class)
                .asInstanceOf(InstanceOfAssertFactories.THROWABLE)
                .hasMessageContaining("no pg_hba.conf entry for replication connection")
                .hasMessageContaining(credentials.appUser());
    }

    private static Connection appConnection(PostgresInstance instance) throws SQLException {
        return instance.connect(credentials.appUser(), credentials.appPassword(), cluster.database());
    }

    /** A physical replication connection, the kind pg_basebackup and WAL streaming use. */
    private static Connection replicationConnection(String user, String password) throws SQLException {
        var properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("replication", "true");
        properties.setProperty("assumeMinServerVersion", "9.4");
        properties.setProperty("preferQueryMode", "simple");
        properties.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(cluster.primary().jdbcUrl("postgres"), properties);
    }

    private static String single(Connection connection, String query) throws SQLException {
        try (var statement = connection.createStatement(); ResultSet row = statement.executeQuery(query)) {
            return row.next() ? row.getString(1) : null;
        }
    }
}
