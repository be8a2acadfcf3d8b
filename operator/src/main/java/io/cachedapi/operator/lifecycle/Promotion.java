package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.observer.PodEndpoints;
import io.cachedapi.operator.observer.PostgresEndpoint;
import io.cachedapi.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every promotion ends, whoever began it (a failover, a switchover, a reconcile finishing one an
 * interruption cut short), once the topology names the new primary: it leaves recovery (pg_promote),
 * holds a replication slot for every other pod, gets the synchronous setting, and only then the role
 * label, so -rw leads there and no write escapes the setting; last, the other replicas' WAL receivers
 * connect afresh through -rw. Each step is safe to repeat.
 */
final class Promotion {

    private static final Logger log = LoggerFactory.getLogger(Promotion.class);

    private Promotion() {
    }

    /** Completes the promotion of the primary {@code topology} names; returns how long pg_promote took. */
    static Duration complete(CachedApi api, KubernetesClient client, PostgresAdmin admin, Map<String, Pod> pods,
                             Topology topology, boolean synchronous, Clock clock)
            throws PostgresAdmin.PostgresAdminException {
        String primary = topology.primary();
        PostgresEndpoint endpoint = PodEndpoints.of(api, primary, pods.get(primary));
        Instant promoting = clock.instant();
        admin.promote(endpoint);
        Duration promotion = Duration.between(promoting, clock.instant());
        // slots before the replicas reconnect: without its slot a replica's receiver fails and retries a second later
        Lifecycle.reconcileSlots(api, admin, pods, topology, true);
        admin.setSynchronous(endpoint, synchronous);
        Failover.setRole(api, client, primary, Optional.of(Labels.PRIMARY));
        reconnectReplicas(api, pods, admin, primary);
        return promotion;
    }

    /**
     * Makes every other running replica's WAL receiver connect afresh through -rw, now leading to the new
     * primary: one that was connecting to a lost primary would wait on it for ever, one that lost a
     * primary at its shutdown would only retry a second later, and a synchronous primary takes no write
     * until a replica streams from it. A pod that does not answer (the old primary, on its way back) is
     * left to connect by itself.
     */
    private static void reconnectReplicas(CachedApi api, Map<String, Pod> pods, PostgresAdmin admin, String primary) {
        for (Map.Entry<String, Pod> pod : pods.entrySet()) {
            if (pod.getKey().equals(primary)) {
                continue;
            }
            try {
                admin.reconnectReceiver(PodEndpoints.of(api, pod.getKey(), pod.getValue()), primary);
            } catch (PostgresAdmin.PostgresAdminException | RuntimeException e) {
                log.info("cachedapi={}/{} replica={} left to reconnect by itself: {}", api.getMetadata().getNamespace(),
                        api.getMetadata().getName(), pod.getKey(), e.getMessage());
            }
        }
    }
}
