package io.cachedapi.operator.liveloop;

import static io.cachedapi.operator.liveloop.LiveLoop.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * spec.postgres.parameters reaching running PostgreSQL, on the live loop: a setting a reload applies
 * reaches every server without restarting any; one that needs a restart is reported pending, then
 * the pods restart one at a time, the primary last through a switchover, and every server runs with it.
 */
@EnableKubernetesMockClient(crud = true)
class ParametersIT {

    private static final Duration WAIT = Duration.ofSeconds(120);

    static KubernetesClient client;

    private LiveLoop loop;

    @BeforeEach
    void start() {
        loop = LiveLoop.start(client, "parameters");
    }

    @AfterEach
    void stop() {
        loop.close();
    }

    @Test
    void aReloadableSettingIsReloadedAndARestartOneRollsThePodsPrimaryLast() throws Exception {
        loop.create(1, api -> { });
        await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified("shop-pg-0"));
        Map<String, String> started = startTimes();

        loop.edit(api -> api.getSpec().getPostgres().getParameters().put("log_min_duration_statement", "250"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(settings("log_min_duration_statement"))
                .as(loop::diagnostics).containsOnly(Map.entry("shop-pg-0", "250ms"), Map.entry("shop-pg-1", "250ms")));
        assertThat(startTimes()).as("a reload, no restart").isEqualTo(started);

        loop.edit(api -> api.getSpec().getPostgres().getParameters().put("max_connections", "120"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(loop.current().getStatus().getPendingRestart())
                .as(loop::diagnostics).contains("max_connections"));
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {   // pods restart meanwhile
            assertThat(settings("max_connections")).as(loop::diagnostics)
                    .containsOnly(Map.entry("shop-pg-0", "120"), Map.entry("shop-pg-1", "120"));
            assertThat(loop.current().getStatus().getPendingRestart()).isEmpty();
            loop.assertReplicationVerified("shop-pg-1");   // the switchover made the replica the primary
        });
        Map<String, String> restarted = startTimes();
        assertThat(restarted).allSatisfy((pod, time) -> assertThat(time).as(pod).isNotEqualTo(started.get(pod)));
        assertThat(loop.events("SwitchoverForUpdate")).singleElement()
                .satisfies(event -> assertThat(event.getMessage()).contains("max_connections"));
        assertThat(settings("log_min_duration_statement")).containsOnly(Map.entry("shop-pg-0", "250ms"),
                Map.entry("shop-pg-1", "250ms"));
    }

    /** {@code show name} on each pg pod. */
    private Map<String, String> settings(String name) throws Exception {
        var values = new HashMap<String, String>();
        for (String pod : loop.pgPods()) {
            try (Connection connection = loop.connect(loop.cluster().podAddress(pod), "postgres")) {
                values.put(pod, single(connection, "show " + name));
            }
        }
        return values;
    }

    /** When each pg pod's postmaster started: a restart changes it, a reload does not. */
    private Map<String, String> startTimes() throws Exception {
        var times = new HashMap<String, String>();
        for (String pod : loop.pgPods()) {
            try (Connection connection = loop.connect(loop.cluster().podAddress(pod), "postgres")) {
                times.put(pod, single(connection, "select pg_postmaster_start_time()"));
            }
        }
        return times;
    }
}
