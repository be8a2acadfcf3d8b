package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.observer.ReplicationReport;
import io.cachedapi.operator.observer.ReplicationReport.ReplicaState;
import io.cachedapi.operator.reconciler.Events;
import io.cachedapi.operator.resources.Names;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A changed pod template, or a setting PostgreSQL applies only at a restart, rolled out with the primary
 * last, as CloudNativePG does. The pg StatefulSet's
 * update strategy is {@code OnDelete}, so only the operator replaces pods, one at a time and only while
 * every pod is ready and every replica streams: the outdated replicas first (highest ordinal first),
 * then a switchover to an updated replica (the annotation a user would set, so it shows), whose clean
 * shutdown of the old primary deletes its pod, so it comes back from the new template as a replica. A
 * cluster without replicas has its primary replaced: nobody could take over.
 */
final class Rollout {

    /** The label the StatefulSet controller gives each pod: the template revision it was made from. */
    static final String REVISION_LABEL = "controller-revision-hash";

    private static final Logger log = LoggerFactory.getLogger(Rollout.class);

    private final Clock clock;

    Rollout(Clock clock) {
        this.clock = clock;
    }

    /**
     * Takes the next step of a rollout, if one is under way and the cluster is steady; true when it did.
     * A pod is outdated when it was made from an older template, or when PostgreSQL waits for a restart
     * to apply a setting ({@code restartDue}: pod to settings).
     */
    boolean step(CachedApi api, KubernetesClient client, Topology topology, ReplicationReport report,
                 Map<String, Pod> pods, Map<String, List<String>> restartDue) {
        StatefulSet set = client.apps().statefulSets().inNamespace(api.getMetadata().getNamespace())
                .withName(Names.pg(api)).get();
        Optional<String> revision = Optional.ofNullable(set).map(StatefulSet::getStatus)
                .map(StatefulSetStatus::getUpdateRevision).filter(r -> !r.isBlank());
        if (revision.isEmpty()) {
            return false;
        }
        var why = new HashMap<String, String>();
        pods.values().stream().filter(pod -> !revision.get().equals(labels(pod).get(REVISION_LABEL)))
                .forEach(pod -> why.put(pod.getMetadata().getName(), "runs an older pod template"));
        restartDue.forEach((pod, settings) -> why.putIfAbsent(pod, "waits for a restart to apply "
                + String.join(", ", settings)));
        List<String> outdated = why.keySet().stream().filter(pods::containsKey)
                .sorted(Comparator.comparingInt(Rollout::ordinal).reversed())
                .toList();
        if (outdated.isEmpty() || !steady(api, pods, report)) {
            return false;
        }
        Optional<String> replica = outdated.stream().filter(pod -> !pod.equals(topology.primary())).findFirst();
        if (replica.isPresent()) {
            replace(api, client, replica.get(), why.get(replica.get()));
            return true;
        }
        Optional<ReplicaState> target = report.replicas().stream()
                .filter(state -> !outdated.contains(state.name()) && state.receiveLsn() != null)
                .filter(state -> DrainSwitchover.node(pods.get(state.name()))
                        .map(node -> !DrainSwitchover.cordoned(client, node)).orElse(true))
                .max(Comparator.comparingLong(state -> Lsn.parse(state.receiveLsn())));
        if (target.isEmpty()) {
            replace(api, client, topology.primary(), why.get(topology.primary()));
            return true;
        }
        log.info("cachedapi={}/{} rollout: switchover from={} to={} before the primary is replaced",
                api.getMetadata().getNamespace(), api.getMetadata().getName(), topology.primary(), target.get().name());
        Events.record(client, api, true, "SwitchoverForUpdate", topology.primary() + " " + why.get(topology.primary())
                + ": switching over to " + target.get().name() + " before it is replaced", clock.instant());
        Switchover.request(api, client, target.get().name());
        return true;
    }

    /** Every pod the spec asks for exists and is ready, and every replica is in recovery and streams. */
    private static boolean steady(CachedApi api, Map<String, Pod> pods, ReplicationReport report) {
        return pods.size() == 1 + api.getSpec().getPostgres().getReplicas()
                // a pod being deleted may still look ready while it shuts down: one at a time means waiting
                && pods.values().stream().allMatch(pod -> pod.getMetadata().getDeletionTimestamp() == null && ready(pod))
                && report.replicas().stream().allMatch(replica -> replica.reachable() && replica.inRecovery()
                        && "streaming".equals(replica.walReceiverStatus()));
    }

    private void replace(CachedApi api, KubernetesClient client, String pod, String why) {
        log.info("cachedapi={}/{} rollout: replacing pod={}: {}", api.getMetadata().getNamespace(),
                api.getMetadata().getName(), pod, why);
        Events.record(client, api, true, "PodReplaced", pod + " " + why + ": replaced", clock.instant());
        // graceful: a replica shuts down cleanly; the primary only when there is no replica to take over
        client.pods().inNamespace(api.getMetadata().getNamespace()).withName(pod).delete();
    }

    private static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The ordinal at the end of a StatefulSet pod's name: shop-pg-10 comes after shop-pg-9. */
    private static int ordinal(String pod) {
        return Integer.parseInt(pod.substring(pod.lastIndexOf('-') + 1));
    }

    private static Map<String, String> labels(Pod pod) {
        return Objects.requireNonNullElse(pod.getMetadata().getLabels(), Map.of());
    }
}
