package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.observer.PodEndpoints;
import io.cachedapi.operator.observer.PostgresEndpoint;
import io.cachedapi.operator.observer.ReplicationReport.ReplicaState;
import io.cachedapi.operator.reconciler.Events;
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
 * The failover runbook, step by step as a person on call would do it; every step is safe to repeat,
 * and an interrupted run is finished by the next reconcile (the topology already names the new
 * primary, so the operator promotes it, see {@link Lifecycle}).
 * <ol>
 *   <li>fence: the old primary loses its role label, so the {@code -rw} Service selects nothing;</li>
 *   <li>record: the topology names the new primary (compare-and-set: one promotion at a time), so no pod
 *       can start as the old primary again;</li>
 *   <li>delete the old primary's pod, so a hung server is really stopped and the sessions -rw let in
 *       before the fence end with it; it comes back, finds another primary in the topology and rejoins
 *       it (pg_rewind, or a fresh clone);</li>
 *   <li>promote the chosen replica (pg_promote), give it a replication slot for every other pod and the
 *       synchronous setting, and label it primary: {@code -rw} leads there;</li>
 *   <li>make the other replicas' WAL receivers connect afresh, through -rw to the new primary.</li>
 * </ol>
 */
final class Failover {

    private static final Logger log = LoggerFactory.getLogger(Failover.class);

    private final TopologyStore topologies;
    private final Clock clock;

    Failover(TopologyStore topologies, Clock clock) {
        this.topologies = topologies;
        this.clock = clock;
    }

    /** Runs the runbook; false when another change of the topology came first (nothing was promoted). */
    boolean run(CachedApi api, KubernetesClient client, Topology topology, ReplicaState candidate,
                Map<String, Pod> pods, PostgresAdmin admin, Instant outageSince, boolean synchronous)
            throws PostgresAdmin.PostgresAdminException {
        String oldPrimary = topology.primary();
        String lost = String.format("%.1f", Duration.between(outageSince, clock.instant()).toMillis() / 1000.0);
        log.info("cachedapi={}/{} failover from={} to={} received={} replayed={} primaryLostSeconds={}",
                api.getMetadata().getNamespace(), api.getMetadata().getName(), oldPrimary, candidate.name(),
                candidate.receiveLsn(), candidate.replayLsn(), lost);
        Events.record(client, api, false, "FailingOver", oldPrimary + " has not answered for " + lost
                + " s: promoting " + candidate.name() + " (received WAL up to " + candidate.receiveLsn() + ")",
                clock.instant());

        setRole(api, client, oldPrimary, Optional.empty());
        if (!topologies.compareAndSet(api, topology, topology.withPrimary(candidate.name()))) {
            log.info("cachedapi={}/{} failover abandoned: the topology changed meanwhile",
                    api.getMetadata().getNamespace(), api.getMetadata().getName());
            return false;
        }
        // before the promotion: the old server must not take a write on a session -rw let in earlier
        deletePod(api, client, oldPrimary);
        Instant promoting = clock.instant();
        PostgresEndpoint promoted = PodEndpoints.of(api, candidate.name(), pods.get(candidate.name()));
        admin.promote(promoted);
        long promotionMillis = Duration.between(promoting, clock.instant()).toMillis();
        // slots before the replicas reconnect: without its slot a replica's receiver fails and retries a second later
        Lifecycle.reconcileSlots(api, admin, pods, topology.withPrimary(candidate.name()));
        admin.setSynchronous(promoted, synchronous);   // before -rw leads there: no write escapes it
        setRole(api, client, candidate.name(), Optional.of(Labels.PRIMARY));
        reconnectReplicas(api, pods, admin, oldPrimary, candidate.name());
        String total = String.format("%.1f", Duration.between(outageSince, clock.instant()).toMillis() / 1000.0);
        log.info("cachedapi={}/{} promoted={} promotionMillis={} sinceOutageSeconds={}", api.getMetadata().getNamespace(),
                api.getMetadata().getName(), candidate.name(), promotionMillis, total);
        Events.record(client, api, true, "Promoted", candidate.name() + " is the primary (pg_promote took "
                + promotionMillis + " ms; " + total + " s after " + oldPrimary + " stopped answering); "
                + oldPrimary + " rejoins as a replica", clock.instant());
        return true;
    }

    /**
     * Makes every other replica's WAL receiver connect afresh through -rw, now leading to the new
     * primary: one that was connecting to the lost primary would wait on it for ever, and a synchronous
     * primary takes no write until a replica streams from it. A replica that does not answer is left
     * to reconnect by itself.
     */
    static void reconnectReplicas(CachedApi api, Map<String, Pod> pods, PostgresAdmin admin, String oldPrimary,
                                          String newPrimary) {
        for (Map.Entry<String, Pod> pod : pods.entrySet()) {
            if (pod.getKey().equals(oldPrimary) || pod.getKey().equals(newPrimary)) {
                continue;
            }
            try {
                admin.reconnectReceiver(PodEndpoints.of(api, pod.getKey(), pod.getValue()), newPrimary);
            } catch (PostgresAdmin.PostgresAdminException | RuntimeException e) {
                log.info("cachedapi={}/{} replica={} left to reconnect by itself: {}", api.getMetadata().getNamespace(),
                        api.getMetadata().getName(), pod.getKey(), e.getMessage());
            }
        }
    }

    /** Sets or removes the role label of a pod; nothing when the pod is gone or already so. */
    static void setRole(CachedApi api, KubernetesClient client, String pod, Optional<String> role) {
        var resource = client.pods().inNamespace(api.getMetadata().getNamespace()).withName(pod);
        Pod current = resource.get();
        if (current == null) {
            return;
        }
        Optional<String> now = Optional.ofNullable(current.getMetadata().getLabels()).map(l -> l.get(Labels.ROLE));
        if (now.equals(role)) {
            return;
        }
        resource.edit(p -> {
            if (role.isPresent()) {
                p.getMetadata().getLabels().put(Labels.ROLE, role.get());
            } else {
                p.getMetadata().getLabels().remove(Labels.ROLE);
            }
            return p;
        });
    }

    static void deletePod(CachedApi api, KubernetesClient client, String pod) {
        // no grace: a hung server would ignore SIGTERM, and it must not accept a write after the promotion
        client.pods().inNamespace(api.getMetadata().getNamespace()).withName(pod).withGracePeriod(0).delete();
    }
}
