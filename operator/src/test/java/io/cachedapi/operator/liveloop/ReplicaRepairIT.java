package io.cachedapi.operator.liveloop;

import static io.cachedapi.operator.liveloop.LiveLoop.execute;
import static io.cachedapi.operator.liveloop.LiveLoop.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A replica that can no longer follow, on the live loop: its slot on the primary lost the WAL it needs
 * while it was away. The operator must report why, re-clone it, and see it stream again, with no hand
 * on the volume.
 */
@EnableKubernetesMockClient(crud = true)
class ReplicaRepairIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String AWAY = "shop-pg-2";

    static KubernetesClient client;

    private LiveLoop loop;
    private LiveCluster cluster;

    @BeforeEach
    void start() {
        loop = LiveLoop.start(client, "repair");
        cluster = loop.cluster();
    }

    @AfterEach
    void stop() {
        loop.close();
    }

    @Test
    void aReplicaWhoseSlotLostItsWalIsReportedRecloneAndStreamsAgain() throws Exception {
        // small bounds, so a few tens of MB of WAL are enough to leave a replica behind for good
        loop.create(2, api -> api.getSpec().getPostgres().setParameters(
                Map.of("max_slot_wal_keep_size", "16MB", "wal_keep_size", "0")));
        await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified("shop-pg-0"));

        Runnable resume = cluster.freeze(AWAY);
        try (Connection primary = loop.connect(cluster.address("shop-pg-rw"), "app")) {
            // the primary's WAL sender gives the hung replica up (wal_sender_timeout): its slot is inactive
            await().atMost(WAIT).until(() -> single(primary,
                    "select active from pg_replication_slots where slot_name = 'shop_pg_2'").equals("f"));
            execute(primary, "create table filler as select g, repeat('x', 500) as pad from generate_series(1, 100000) g");
            await("the slot of " + AWAY + " loses its WAL").atMost(WAIT).until(() -> {
                execute(primary, "checkpoint");
                return single(primary, "select wal_status from pg_replication_slots where slot_name = 'shop_pg_2'")
                        .equals("lost");
            });
        }
        resume.run();

        await().atMost(WAIT).untilAsserted(() -> assertThat(LiveLoop.condition(loop.current().getStatus(),
                "ReplicationHealthy").getMessage()).as(loop::diagnostics).contains(AWAY + " (")
                .contains("lost the WAL it needs"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(loop.events("Recloning")).as(loop::diagnostics)
                .singleElement().satisfies(event -> assertThat(event.getMessage()).startsWith(AWAY)));
        await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified("shop-pg-0"));
        assertThat(cluster.logTail(AWAY)).contains("re-cloning shop-pg-0: the operator found that this replica cannot"
                + " follow it (request 1)");
        try (Connection replica = loop.connect(cluster.podAddress(AWAY), "app")) {
            await().atMost(WAIT).until(() -> single(replica, "select count(*) from filler").equals("100000"));
        }
        assertThat(loop.current().getStatus().getReplicas()).filteredOn(r -> r.pod().equals(AWAY))
                .singleElement().satisfies(r -> assertThat(r.walReceiver()).isEqualTo("streaming"));
    }
}
