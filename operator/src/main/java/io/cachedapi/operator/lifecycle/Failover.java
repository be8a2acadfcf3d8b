package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
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
 *   <li>promote the chosen replica and complete the promotion ({@link Promotion}): slots, the synchronous
 *       setting, the role label ({@code -rw} leads there), the other replicas reconnected.</li>
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
        long promotionMillis = Promotion.complete(api, client, admin, pods, topology.withPrimary(candidate.name()),
                synchronous, clock).toMillis();
        String total = String.format("%.1f", Duration.between(outageSince, clock.instant()).toMillis() / 1000.0);
        log.info("cachedapi={}/{} promoted={} promotionMillis={} sinceOutageSeconds={}", api.getMetadata().getNamespace(),
                api.getMetadata().getName(), candidate.name(), promotionMillis, total);
        if (Switchover.requested(api).isPresent()) {
            // asked of the old primary (by a user, a drain or a rollout): carried out now, it would cost a
            // second outage right after this one; whoever still wants it asks again
            log.info("cachedapi={}/{} pending switchover request dropped by the failover", api.getMetadata().getNamespace(),
                    api.getMetadata().getName());
            Switchover.clearRequest(api, client);
        }
        Events.record(client, api, true, "Promoted", candidate.name() + " is the primary (pg_promote took "
                + promotionMillis + " ms; " + total + " s after " + oldPrimary + " stopped answering); "
                + oldPrimary + " rejoins as a replica", clock.instant());
        return true;
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
