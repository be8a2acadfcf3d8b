package io.cachedapi.operator.liveloop;

import static io.cachedapi.operator.liveloop.LiveLoop.execute;
import static io.cachedapi.operator.liveloop.LiveLoop.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.crd.CachedApiStatus;
import io.cachedapi.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live loop's first scenario: a CachedApi with two replicas comes up as real PostgreSQL processes,
 * the operator verifies replication and labels the pods, the Services route by those labels, and a
 * deleted replica comes back with its data (see {@link LiveLoop} for what this level is).
 */
@EnableKubernetesMockClient(crud = true)
class LiveLoopIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    static KubernetesClient client;

    private LiveLoop loop;
    private LiveCluster cluster;

    @BeforeEach
    void start() {
        loop = LiveLoop.start(client, "live");
        cluster = loop.cluster();
    }

    @AfterEach
    void stop() {
        loop.close();
    }

    @Test
    void realReplicasStreamTheOperatorLabelsThemAndADeletedReplicaComesBackWithItsData() throws SQLException {
        loop.create(2, api -> { });

        await().atMost(WAIT).untilAsserted(() -> {
            loop.assertReplicationVerified("shop-pg-0");
            assertThat(loop.current().getStatus().getPhase()).as(loop::diagnostics).isEqualTo(CachedApiStatus.Phase.Ready);
        });
        for (String pod : loop.pgPods()) {
            assertThat(ProcessHandle.of(cluster.pid(pod)).flatMap(process -> process.info().command()))
                    .as("%s's container process", pod).hasValueSatisfying(command -> assertThat(command).endsWith("/postgres"));
            try (Connection connection = loop.connect(cluster.podAddress(pod), "postgres")) {
                assertThat(single(connection, "select version()")).startsWith("PostgreSQL");
                assertThat(single(connection, "select pg_is_in_recovery()")).as(pod).isEqualTo(pod.equals("shop-pg-0") ? "f" : "t");
            }
        }

        try (Connection primary = loop.connect(cluster.address("shop-pg-rw"), "app")) {
            execute(primary, "create table live_loop (id int primary key, note text)");
            execute(primary, "insert into live_loop values (1, 'written through shop-pg-rw')");
        }
        // Round-robin: two connections in a row reach both replicas.
        await().atMost(WAIT).untilAsserted(() -> {
            Set<String> servers = new HashSet<>();
            for (int connection = 0; connection < 2; connection++) {
                try (Connection replica = loop.connect(cluster.address("shop-pg-ro"), "app")) {
                    assertThat(single(replica, "select note from live_loop where id = 1")).isEqualTo("written through shop-pg-rw");
                    servers.add(single(replica, "select inet_server_addr()::text"));
                }
            }
            assertThat(servers).hasSize(2);
        });
        try (Connection replica = loop.connect(cluster.address("shop-pg-ro"), "app")) {
            assertThatThrownBy(() -> execute(replica, "insert into live_loop values (2, 'through shop-pg-ro')"))
                    .isInstanceOfSatisfying(SQLException.class, refused ->
                            assertThat(refused.getSQLState()).as("read_only_sql_transaction").isEqualTo("25006"));
        }

        String uid = loop.pod("shop-pg-1").getMetadata().getUid();
        long pid = cluster.pid("shop-pg-1");
        Instant deleted = Instant.now();
        cluster.deletePod("shop-pg-1");

        await().atMost(WAIT).untilAsserted(() -> {
            Pod recreated = loop.pod("shop-pg-1");
            assertThat(recreated).as(loop::diagnostics).isNotNull();
            assertThat(recreated.getMetadata().getUid()).isNotEqualTo(uid);
            assertThat(recreated.getMetadata().getLabels()).as("the operator labels the new pod from what it answers")
                    .containsEntry(Labels.ROLE, Labels.REPLICA);
            assertThat(streamingSince("shop-pg-1", deleted)).as(loop::diagnostics).isTrue();
        });
        assertThat(cluster.pid("shop-pg-1")).as("a new process").isNotEqualTo(pid);
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("the old process is gone").isEmpty();
        await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified("shop-pg-0"));
        try (Connection replica = loop.connect(cluster.podAddress("shop-pg-1"), "app")) {
            assertThat(single(replica, "select note from live_loop where id = 1")).isEqualTo("written through shop-pg-rw");
        }
    }

    /** Whether the primary streams to {@code replica} on a connection opened after {@code since}. */
    private boolean streamingSince(String replica, Instant since) throws SQLException {
        try (Connection primary = loop.connect(cluster.podAddress("shop-pg-0"), "postgres");
             var statement = primary.prepareStatement("select count(*) from pg_stat_replication"
                     + " where application_name = ? and state = 'streaming' and backend_start > to_timestamp(? / 1000.0)")) {
            statement.setString(1, replica);
            statement.setLong(2, since.toEpochMilli());
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1) == 1;
            }
        }
    }
}
