package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.observer.PodEndpoints;
import io.cachedapi.operator.observer.PostgresEndpoint;
import io.cachedapi.operator.observer.ReplicationReport;
import io.cachedapi.operator.reconciler.Events;
import io.cachedapi.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A planned change of primary, asked for with {@code kubectl annotate cachedapi NAME
 * cachedapi.io/switchover-to=POD}. The old primary is shut down cleanly first: PostgreSQL then sends
 * every replica all of its WAL, up to its shutdown checkpoint, before it exits, so the target has every
 * acknowledged write and the other replicas (and the old primary itself) can follow the new timeline
 * without a rewind.
 * <ol>
 *   <li>fence: the old primary loses its role label, so {@code -rw} takes no new connection; its client
 *       sessions are ended, so its shutdown need not wait for them;</li>
 *   <li>record the target in the topology (compare-and-set): the old primary comes back as its replica;</li>
 *   <li>delete the old primary's pod (a clean, smart shutdown) and wait until the target's WAL receiver
 *       stops: the old primary's senders have then sent it everything, up to the shutdown checkpoint;</li>
 *   <li>wait until the target has replayed all it received, then promote it ({@link Promotion}).</li>
 * </ol>
 * Writes are refused from step 1 to step 4 (measured, reported in the Event). Every step after the
 * compare-and-set is one a failover would take too, so an interruption there is finished like one.
 */
final class Switchover {

    /** The annotation a user sets to the pod that should become the primary. */
    static final String REQUEST = "cachedapi.io/switchover-to";

    private static final Logger log = LoggerFactory.getLogger(Switchover.class);
    /** A clean shutdown with no client session takes well under a second; a stuck one is killed by then. */
    private static final Duration SHUTDOWN = Duration.ofSeconds(30);
    private static final Duration CATCH_UP = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(20);

    private final TopologyStore topologies;
    private final Clock clock;

    Switchover(TopologyStore topologies, Clock clock) {
        this.topologies = topologies;
        this.clock = clock;
    }

    /** The pod a user asked to become the primary, if any. */
    static Optional<String> requested(CachedApi api) {
        return Optional.ofNullable(api.getMetadata().getAnnotations()).map(annotations -> annotations.get(REQUEST))
                .filter(target -> !target.isBlank());
    }

    /**
     * Asks for a switchover to {@code target} as a user would, with the annotation: the operator does so
     * itself before a drain or a rollout takes the primary, and the request shows the same way.
     */
    static void request(CachedApi api, KubernetesClient client, String target) {
        client.resources(CachedApi.class).inNamespace(api.getMetadata().getNamespace())
                .withName(api.getMetadata().getName()).edit(current -> {
                    if (current.getMetadata().getAnnotations() == null) {
                        current.getMetadata().setAnnotations(new java.util.HashMap<>());
                    }
                    // a request already there (a user's the cache did not show yet) is left as it is
                    current.getMetadata().getAnnotations().putIfAbsent(REQUEST, target);
                    return current;
                });
    }

    /**
     * Runs the switchover the annotation asks for, then removes the annotation (done or refused: the
     * Event says which). Returns whether the primary changed.
     */
    boolean run(CachedApi api, KubernetesClient client, Topology topology, ReplicationReport report,
                Map<String, Pod> pods, PostgresAdmin admin, boolean synchronous) throws PostgresAdmin.PostgresAdminException {
        String target = requested(api).orElseThrow();
        Optional<String> refusal = refusal(topology, report, target);
        if (refusal.isPresent()) {
            Events.record(client, api, false, "SwitchoverRefused", "switchover to " + target + " refused: "
                    + refusal.get(), clock.instant());
            clearRequest(api, client);
            return false;
        }
        String oldPrimary = topology.primary();
        PostgresEndpoint old = PodEndpoints.of(api, oldPrimary, pods.get(oldPrimary));
        PostgresEndpoint next = PodEndpoints.of(api, target, pods.get(target));
        log.info("cachedapi={}/{} switchover from={} to={}", api.getMetadata().getNamespace(),
                api.getMetadata().getName(), oldPrimary, target);

        Instant fenced = clock.instant();
        Failover.setRole(api, client, oldPrimary, Optional.empty());
        admin.endClientSessions(old);
        if (!topologies.compareAndSet(api, topology, topology.withPrimary(target))) {
            Failover.setRole(api, client, oldPrimary, Optional.of(Labels.PRIMARY));
            clearRequest(api, client);
            return false;
        }
        Instant deleting = clock.instant();
        client.pods().inNamespace(api.getMetadata().getNamespace()).withName(oldPrimary).delete();
        // the target stops streaming once the old primary's senders have sent it everything and exited
        boolean stopped = await(SHUTDOWN, () -> !ask(() -> admin.receiverStreaming(next), true));
        Instant shutDown = clock.instant();
        boolean caughtUp = await(CATCH_UP, () -> ask(() -> admin.replayedAllReceived(next), false));
        Instant promoting = clock.instant();
        long promotionMillis = Promotion.complete(api, client, admin, pods, topology.withPrimary(target), synchronous,
                clock).toMillis();
        long unavailableMillis = Duration.between(fenced, clock.instant()).toMillis();
        log.info("cachedapi={}/{} switched over to={} writesUnavailableMillis={} (fenceMillis={} shutdownMillis={}"
                        + " catchUpMillis={} pgPromoteMillis={} completionMillis={}) oldStoppedCleanly={} caughtUp={}",
                api.getMetadata().getNamespace(), api.getMetadata().getName(), target, unavailableMillis,
                millis(fenced, deleting), millis(deleting, shutDown), millis(shutDown, promoting), promotionMillis,
                millis(promoting, clock.instant()) - promotionMillis, stopped, caughtUp);
        Events.record(client, api, stopped && caughtUp, "SwitchedOver", target + " is the primary (writes were refused"
                + " for " + unavailableMillis + " ms)" + (stopped ? "" : "; " + oldPrimary + " did not stop within "
                + SHUTDOWN.toSeconds() + " s") + (caughtUp ? "" : "; " + target + " had not replayed all it received")
                + "; " + oldPrimary + " rejoins as a replica", clock.instant());
        clearRequest(api, client);
        return true;
    }

    private static long millis(Instant from, Instant to) {
        return Duration.between(from, to).toMillis();
    }

    /** Why the target may not become the primary now, if it may not. */
    private static Optional<String> refusal(Topology topology, ReplicationReport report, String target) {
        if (target.equals(topology.primary())) {
            return Optional.of(target + " is the primary already");
        }
        Optional<ReplicationReport.ReplicaState> replica = report.replica(target);
        if (replica.isEmpty()) {
            return Optional.of(target + " is not one of this cluster's replicas");
        }
        if (!replica.get().reachable() || !replica.get().inRecovery()
                || !"streaming".equals(replica.get().walReceiverStatus())) {
            return Optional.of(target + " is not a replica streaming from " + topology.primary()
                    + replica.get().problem().map(problem -> " (" + problem.message() + ")").orElse(""));
        }
        return Optional.empty();
    }

    private interface Question {
        boolean ask() throws PostgresAdmin.PostgresAdminException;
    }

    /** The answer, or {@code otherwise} when the instance cannot say right now (asked again soon). */
    private static boolean ask(Question question, boolean otherwise) {
        try {
            return question.ask();
        } catch (PostgresAdmin.PostgresAdminException notNow) {
            return otherwise;
        }
    }

    /** Polls {@code done} for at most {@code bound}: steps that take milliseconds when all is well. */
    private boolean await(Duration bound, BooleanSupplier done) {
        Instant deadline = clock.instant().plus(bound);
        while (!done.getAsBoolean()) {
            if (clock.instant().isAfter(deadline)) {
                return false;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    static void clearRequest(CachedApi api, KubernetesClient client) {
        client.resources(CachedApi.class).inNamespace(api.getMetadata().getNamespace())
                .withName(api.getMetadata().getName()).edit(current -> {
                    if (current.getMetadata().getAnnotations() != null) {
                        current.getMetadata().getAnnotations().remove(REQUEST);
                    }
                    return current;
                });
    }
}
