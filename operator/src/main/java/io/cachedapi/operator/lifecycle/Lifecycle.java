package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.observer.PodEndpoints;
import io.cachedapi.operator.parameters.ParameterApplication;
import io.cachedapi.operator.parameters.ParameterCatalogues;
import io.cachedapi.operator.observer.PostgresEndpoint;
import io.cachedapi.operator.observer.ReplicationReport;
import io.cachedapi.operator.reconciler.Events;
import io.cachedapi.operator.resources.Labels;
import io.cachedapi.operator.resources.Names;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decisions about the primary, in one place, after each observation: records the first bootstrap,
 * keeps the primary's replication slots and synchronous setting, notices a primary that stopped answering and, once it has
 * been silent for {@code spec.postgres.failoverDelay}, fails over ({@link Failover}); switches over
 * when a user asks ({@link Switchover}), a drain is coming ({@link DrainSwitchover}) or the primary's
 * pod template changed ({@link Rollout}, which replaces the pods one by one, primary last); re-clones
 * replicas that cannot follow; finishes a promotion an interruption left half done.
 */
public final class Lifecycle {

    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    /** What the reconcile does next: the topology now, whether a failover is under way, when to look again. */
    public record Outcome(Topology topology, boolean failingOver, Optional<Duration> lookAgainWithin) {
        static Outcome steady(Topology topology) {
            return new Outcome(topology, false, Optional.empty());
        }
    }

    /** What is remembered of a cluster between reconciles (lost on an operator restart: that only delays). */
    static final class Memory {
        String lastPrimaryLsn;
        List<String> pendingRestart = List.of();
        boolean blockedReported;
        boolean drainBlockedReported;
        /** Since when each replica has been seen unable to follow; when each was last asked to re-clone. */
        final Map<String, Instant> cannotFollowSince = new HashMap<>();
        final Map<String, Instant> recloneAskedAt = new HashMap<>();
    }

    /** How long a replica must be seen unable to follow before it is re-cloned: never on one odd answer. */
    private static final Duration RECLONE_AFTER = Duration.ofSeconds(10);
    /** A re-clone asked for is given this long (a clone of a large primary takes a while) before the next. */
    private static final Duration RECLONE_RETRY = Duration.ofMinutes(5);

    private final PostgresAdmin.Factory admins;
    private final PrimaryWatch watch;
    private final FailoverSettings settings;
    private final Clock clock;
    private final Map<String, Memory> memories = new ConcurrentHashMap<>();
    private final ParameterCatalogues catalogues;
    private final ParameterApplication parameterApplication = new ParameterApplication();

    public Lifecycle(PostgresAdmin.Factory admins, PrimaryWatch watch, FailoverSettings settings, Clock clock,
                     ParameterCatalogues catalogues) {
        this.admins = admins;
        this.catalogues = catalogues;
        this.watch = watch;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * One step after an observation.
     *
     * @param report   what PostgreSQL answered (empty while the primary was never started)
     * @param password the superuser password the probe used
     */
    public Outcome step(CachedApi api, KubernetesClient client, Topology topology,
                        Optional<ReplicationReport> report, Optional<String> password) {
        if (report.isEmpty() || password.isEmpty()) {
            return Outcome.steady(topology);
        }
        String uid = api.getMetadata().getUid();
        Memory memory = memories.computeIfAbsent(uid, key -> new Memory());
        Map<String, Pod> pods = pods(api, client);
        PostgresAdmin admin = admins.connectingAs(Superuser.NAME, password.get());
        watch.watch(api, PodEndpoints.of(api, topology.primary(), pods.get(topology.primary())), Superuser.NAME,
                password.get());
        ReplicationReport.InstanceState primary = report.get().primary();
        TopologyStore store = new TopologyStore(client);
        try {
            if (primary.reachable() && !primary.inRecovery()) {
                memory.blockedReported = false;
                memory.lastPrimaryLsn = primary.walLsn();
                Topology current = recordBootstrap(api, client, store, topology, primary.systemIdentifier());
                catalogues.learn(api, admin, PodEndpoints.of(api, current.primary(), pods.get(current.primary())),
                        pods.get(current.primary()));
                if (current.bootstrapped() && Switchover.requested(api).isPresent()) {
                    new Switchover(store, clock).run(api, client, current, report.get(), pods, admin, synchronous(api));
                    return new Outcome(store.read(api).orElse(current), false, Optional.of(Duration.ZERO));
                }
                if (current.bootstrapped()
                        && new DrainSwitchover(clock).requestIfDrained(api, client, current, report.get(), pods, memory)) {
                    return new Outcome(current, false, Optional.of(Duration.ZERO));
                }
                stopSecondPrimaries(api, client, report.get());
                current = recloneReplicasThatCannotFollow(api, client, store, current, report.get(), memory);
                reconcileSlots(api, admin, pods, current, false);
                admin.setSynchronous(PodEndpoints.of(api, current.primary(), pods.get(current.primary())),
                        synchronous(api));
                ParameterApplication.Result parameters = parameterApplication.step(api, admin, report.get(), pods);
                memory.pendingRestart = parameters.pendingRestart();
                // restarts wait until every server reads the new file, so replicas go first whichever it reached first
                var restartDue = parameters.waitingForFile().isEmpty() ? parameters.restartDue()
                        : Map.<String, List<String>>of();
                if (current.bootstrapped()
                        && new Rollout(clock).step(api, client, current, report.get(), pods, restartDue)) {
                    return new Outcome(current, false, Optional.of(settings.watchPeriod()));
                }
                return Outcome.steady(current);
            }
            if (!topology.bootstrapped()) {
                return Outcome.steady(topology);   // the first primary is still starting: nothing to fail over to
            }
            if (primary.reachable()) {
                // named primary, still in recovery: a failover recorded the topology but did not finish
                log.info("cachedapi={}/{} finishing the promotion of {}", api.getMetadata().getNamespace(),
                        api.getMetadata().getName(), topology.primary());
                stopSecondPrimaries(api, client, report.get());
                Promotion.complete(api, client, admin, pods, topology, synchronous(api), clock);
                return new Outcome(topology, true, Optional.of(Duration.ZERO));
            }
            return onPrimaryLost(api, client, store, topology, report.get(), pods, admin, memory);
        } catch (PostgresAdmin.PostgresAdminException | KubernetesClientException e) {
            log.warn("cachedapi={}/{} lifecycle step failed, retrying: {}", api.getMetadata().getNamespace(),
                    api.getMetadata().getName(), e.getMessage());
            return new Outcome(topology, !primary.reachable(), Optional.of(settings.watchPeriod()));
        }
    }

    /** The settings some pg pod waits to restart for (as PostgreSQL reported at the last look). */
    public List<String> pendingRestart(CachedApi api) {
        return Optional.ofNullable(memories.get(api.getMetadata().getUid())).map(memory -> memory.pendingRestart)
                .orElse(List.of());
    }

    /**
     * Forgets what it remembers of CachedApis that no longer exist (uids not in {@code existing}): their
     * memories hold passwords and catalogues, and nothing else would ever drop them.
     */
    public void retainOnly(Set<String> existing) {
        memories.keySet().retainAll(existing);
        watch.retainOnly(existing);
        catalogues.retainOnly(existing);
        parameterApplication.retainOnly(existing);
    }

    private Outcome onPrimaryLost(CachedApi api, KubernetesClient client, TopologyStore store, Topology topology,
                                  ReplicationReport report, Map<String, Pod> pods, PostgresAdmin admin, Memory memory)
            throws PostgresAdmin.PostgresAdminException {
        Instant now = clock.instant();
        // The watch alone says since when the primary is silent: one failed probe (a busy moment) is not an
        // outage; every check of the watch must have failed since then
        Optional<Instant> silentSince = watch.silentSince(api, topology.primary());
        if (silentSince.isEmpty()) {
            return new Outcome(topology, false, Optional.of(settings.watchPeriod()));
        }
        Instant since = silentSince.get();
        Duration delay = failoverDelay(api);
        Duration silent = Duration.between(since, now);
        if (silent.compareTo(delay) < 0) {
            return new Outcome(topology, true, Optional.of(delay.minus(silent)));
        }
        FailoverCandidates.Choice choice = FailoverCandidates.choose(report.replicas(), memory.lastPrimaryLsn,
                settings.maxLagBytes(), synchronous(api));
        if (choice.replica().isEmpty()) {
            if (!memory.blockedReported) {
                memory.blockedReported = true;
                Events.record(client, api, false, "FailoverBlocked", topology.primary()
                        + " does not answer and no replica may be promoted: " + String.join("; ", choice.refused()),
                        now);
            }
            return new Outcome(topology, true, Optional.of(settings.watchPeriod()));
        }
        boolean done = new Failover(store, clock).run(api, client, topology, choice.replica().get(), pods, admin, since,
                synchronous(api));
        Topology next = store.read(api).orElse(topology);
        if (done) {
            memory.blockedReported = false;
        }
        return new Outcome(next, false, Optional.of(Duration.ZERO));
    }

    /**
     * A pod the topology does not name that answers as a primary (an old primary that went on, an
     * interrupted failover's, one promoted by hand) has no role label, but sessions that reached it
     * before could still write there: its pod is deleted, and at its next start it rejoins the primary.
     */
    private void stopSecondPrimaries(CachedApi api, KubernetesClient client, ReplicationReport report) {
        for (ReplicationReport.ReplicaState replica : report.replicas()) {
            if (replica.reachable() && !replica.inRecovery()) {
                log.info("cachedapi={}/{} pod={} answers as a second primary: deleting it so that it rejoins",
                        api.getMetadata().getNamespace(), api.getMetadata().getName(), replica.name());
                Events.record(client, api, false, "SecondPrimaryStopped", replica.name() + " answered as a primary"
                        + " although the topology names another: its pod was deleted, and it rejoins as a replica",
                        clock.instant());
                Failover.deletePod(api, client, replica.name());
            }
        }
    }

    /**
     * A replica that can never follow the primary again (its slot lost the WAL it needs, another system,
     * a later timeline), seen so for {@link #RECLONE_AFTER}: the topology asks it for one more fresh clone
     * (start.sh carries out each request once) and its pod is deleted, so its next start discards its data
     * and clones the primary; its slot is made afresh there. An Event gives the reason.
     */
    private Topology recloneReplicasThatCannotFollow(CachedApi api, KubernetesClient client, TopologyStore store,
                                                     Topology topology, ReplicationReport report, Memory memory) {
        Instant now = clock.instant();
        Topology current = topology;
        for (ReplicationReport.ReplicaState replica : report.replicas()) {
            Optional<ReplicationReport.Problem> problem = replica.problem().filter(p -> p.reason().needsClone())
                    // another system than the primary's: only when the primary is of the cluster's own system
                    // (a primary restored from elsewhere must not have the good copies wiped to match it)
                    .filter(p -> p.reason() != ReplicationReport.Reason.OtherSystem
                            || Objects.equals(topology.system(), report.primary().systemIdentifier()));
            if (problem.isEmpty()) {
                memory.cannotFollowSince.remove(replica.name());
                continue;
            }
            Instant since = memory.cannotFollowSince.computeIfAbsent(replica.name(), name -> now);
            Instant asked = memory.recloneAskedAt.get(replica.name());
            if (Duration.between(since, now).compareTo(RECLONE_AFTER) < 0
                    || (asked != null && Duration.between(asked, now).compareTo(RECLONE_RETRY) < 0)) {
                continue;
            }
            Topology next = current.withReclone(replica.name());
            if (!store.compareAndSet(api, current, next)) {
                return store.read(api).orElse(current);   // another change came first: look again next time
            }
            current = next;
            memory.recloneAskedAt.put(replica.name(), now);
            memory.cannotFollowSince.remove(replica.name());
            log.info("cachedapi={}/{} pod={} re-cloning ({}): {}", api.getMetadata().getNamespace(),
                    api.getMetadata().getName(), replica.name(), problem.get().reason(), problem.get().message());
            Events.record(client, api, false, "Recloning", problem.get().message() + " (request "
                    + next.reclones().get(replica.name()) + ")", now);
            Failover.deletePod(api, client, replica.name());
        }
        return current;
    }

    /**
     * The first time the named primary answers as a primary, the cluster counts as bootstrapped, and its
     * system identifier is recorded (also, once, for a cluster bootstrapped before it was).
     */
    private Topology recordBootstrap(CachedApi api, KubernetesClient client, TopologyStore store, Topology topology,
                                     String systemIdentifier) {
        if (topology.bootstrapped() && (topology.system() != null || systemIdentifier == null)) {
            return topology;
        }
        Topology bootstrapped = topology.markBootstrapped().withSystem(
                topology.system() != null ? topology.system() : systemIdentifier);
        if (store.compareAndSet(api, topology, bootstrapped)) {
            if (!topology.bootstrapped()) {
                log.info("cachedapi={}/{} bootstrapped primary={} system={}", api.getMetadata().getNamespace(),
                        api.getMetadata().getName(), topology.primary(), bootstrapped.system());
                Events.record(client, api, true, "Bootstrapped", topology.primary() + " was initialised as the first"
                        + " primary; from now on an empty volume is cloned, never initialised", clock.instant());
            }
            return bootstrapped;
        }
        return store.read(api).orElse(topology);
    }

    /** A slot on the primary for every other pod the spec asks for; slots of scaled-away pods go. */
    static void reconcileSlots(CachedApi api, PostgresAdmin admin, Map<String, Pod> pods, Topology topology,
                               boolean renewLost)
            throws PostgresAdmin.PostgresAdminException {
        Set<String> keep = IntStream.rangeClosed(0, api.getSpec().getPostgres().getReplicas())
                .mapToObj(ordinal -> Names.pgPod(api, ordinal))
                .filter(pod -> !pod.equals(topology.primary()))
                .map(PostgresEndpoint::slotName).collect(Collectors.toSet());
        admin.reconcileSlots(PodEndpoints.of(api, topology.primary(), pods.get(topology.primary())), keep,
                PostgresEndpoint.slotName(Names.pg(api) + "-"), renewLost);
    }

    /** Synchronous replication as the spec asks; with no replica there is nobody to wait for. */
    private static boolean synchronous(CachedApi api) {
        return Boolean.TRUE.equals(api.getSpec().getPostgres().getSynchronous())
                && api.getSpec().getPostgres().getReplicas() > 0;
    }

    private static Duration failoverDelay(CachedApi api) {
        return api.getSpec().getPostgres().failoverDelay();
    }

    private static Map<String, Pod> pods(CachedApi api, KubernetesClient client) {
        return client.pods().inNamespace(api.getMetadata().getNamespace())
                .withLabels(Labels.selector(api, Labels.POSTGRES)).list().getItems().stream()
                .collect(Collectors.toMap(pod -> pod.getMetadata().getName(), Function.identity()));
    }

    /** The role the lifecycle works as (a least-privileged role is the security issue's). */
    private static final class Superuser {
        static final String NAME = io.cachedapi.operator.resources.PgCredentialsSecret.SUPERUSER;
    }
}
