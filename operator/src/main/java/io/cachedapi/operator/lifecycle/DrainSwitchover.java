package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.observer.ReplicationReport;
import io.cachedapi.operator.observer.ReplicationReport.ReplicaState;
import io.cachedapi.operator.reconciler.Events;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A switchover before a node drain takes the primary. {@code kubectl drain} first cordons the node
 * ({@code spec.unschedulable}), then evicts its pods; the primary's disruption budget refuses its
 * eviction. Once the operator sees the primary's node cordoned, it asks for a switchover to the
 * streaming replica that received the most WAL on a node that is not cordoned, by setting the
 * switchover annotation itself (so the request is as visible as a user's), and {@link Switchover} runs
 * it. The old primary is then a replica, which the replicas' budget lets the drain evict.
 */
final class DrainSwitchover {

    private static final Logger log = LoggerFactory.getLogger(DrainSwitchover.class);
    private static final AtomicBoolean NODES_UNREADABLE_TOLD = new AtomicBoolean();

    private final Clock clock;

    DrainSwitchover(Clock clock) {
        this.clock = clock;
    }

    /**
     * Asks for the switchover when the primary's node is cordoned and a replica elsewhere can take over;
     * true when it did. With none, an Event says so once (the drain waits, the primary keeps serving).
     */
    boolean requestIfDrained(CachedApi api, KubernetesClient client, Topology topology, ReplicationReport report,
                             Map<String, Pod> pods, Lifecycle.Memory memory) {
        Optional<String> primaryNode = node(pods.get(topology.primary()));
        if (primaryNode.isEmpty() || !cordoned(client, primaryNode.get())) {
            memory.drainBlockedReported = false;
            return false;
        }
        Optional<ReplicaState> target = report.replicas().stream()
                .filter(replica -> replica.reachable() && replica.inRecovery()
                        && "streaming".equals(replica.walReceiverStatus()) && replica.receiveLsn() != null)
                .filter(replica -> node(pods.get(replica.name()))
                        .filter(node -> !node.equals(primaryNode.get()) && !cordoned(client, node)).isPresent())
                .max(Comparator.comparingLong(replica -> Lsn.parse(replica.receiveLsn())));
        if (target.isEmpty()) {
            if (!memory.drainBlockedReported) {
                memory.drainBlockedReported = true;
                Events.record(client, api, false, "DrainWaitsForReplica", "node " + primaryNode.get() + " of primary "
                        + topology.primary() + " is cordoned, but no streaming replica runs on a node that is not:"
                        + " the primary stays, and its disruption budget keeps the drain waiting", clock.instant());
            }
            return false;
        }
        log.info("cachedapi={}/{} node={} of primary={} cordoned: switchover to={}", api.getMetadata().getNamespace(),
                api.getMetadata().getName(), primaryNode.get(), topology.primary(), target.get().name());
        Events.record(client, api, true, "SwitchoverForDrain", "node " + primaryNode.get() + " of primary "
                + topology.primary() + " is cordoned: switching over to " + target.get().name(), clock.instant());
        Switchover.request(api, client, target.get().name());
        return true;
    }

    /**
     * Whether the node is cordoned; a node the operator cannot read (readNodes: false in the chart) counts
     * as not, which the log says once.
     */
    static boolean cordoned(KubernetesClient client, String name) {
        try {
            Node node = client.nodes().withName(name).get();
            return node != null && node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        } catch (KubernetesClientException e) {
            if (NODES_UNREADABLE_TOLD.compareAndSet(false, true)) {
                log.warn("nodes cannot be read ({}): a drain is not noticed before it evicts a primary", e.getMessage());
            }
            return false;
        }
    }

    /** The pod's node, if it was scheduled. */
    static Optional<String> node(Pod pod) {
        return Optional.ofNullable(pod).map(Pod::getSpec).map(spec -> spec.getNodeName()).filter(name -> !name.isBlank());
    }
}
