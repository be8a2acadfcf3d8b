package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.crd.CachedApiStatus;
import io.cachedapi.operator.crd.CachedApiStatus.Phase;
import io.cachedapi.operator.observer.ReplicationReport;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Turns an {@link Observation} into the status: conditions {@code Ready}, {@code PrimaryReady},
 * {@code ReplicationHealthy}, {@code RedisReady}, {@code ApiAvailable} with reasons and messages a
 * person can act on, the phase, and the conditions that changed (each becomes an Event).
 */
public final class StatusCalculator {

    public static final String READY = "Ready";
    public static final String PRIMARY_READY = "PrimaryReady";
    public static final String REPLICATION_HEALTHY = "ReplicationHealthy";
    public static final String REDIS_READY = "RedisReady";
    public static final String API_AVAILABLE = "ApiAvailable";
    /** Ready's reason while the spec has a problem the schema could not catch: nothing is applied. */
    public static final String INVALID_SPEC = "InvalidSpec";
    /** Ready's reason when the API server refused a child the spec asks for. */
    public static final String APPLY_FAILED = "ApplyFailed";

    private StatusCalculator() {
    }

    public record Result(CachedApiStatus status, List<Condition> transitions) {
    }

    /**
     * Why the children were not applied in this reconcile: the spec is invalid ({@code InvalidSpec}) or
     * the API server refused one ({@code ApplyFailed}). Ready says so; the rest is as observed.
     */
    public record Blocker(String reason, String message) {
    }

    public static Result next(CachedApiStatus previous, Observation seen, Instant now) {
        return next(previous, seen, Optional.empty(), now);
    }

    public static Result next(CachedApiStatus previous, Observation seen, Optional<Blocker> blocker, Instant now) {
        var conditions = new ArrayList<Condition>();
        var status = new CachedApiStatus();
        status.setObservedGeneration(seen.generation());
        status.setEndpoints(seen.endpoints());
        status.getApi().setReplicas(seen.apiExisting());
        status.getApi().setReadyReplicas(seen.apiReady());
        status.getApi().setReady(seen.apiReady() + "/" + seen.apiDesired());
        status.getApi().setSelector(seen.apiSelector());

        if (blocker.isPresent() && seen.replication().isEmpty()) {
            // nothing to observe yet (or the pods cannot be asked): only what keeps the spec from applying
            conditions.add(condition(READY, false, blocker.get().reason(), blocker.get().message()));
            status.setPrimary(previous.getPrimary());
            status.setReplicas(previous.getReplicas());
        } else {
            Condition primary = primaryCondition(seen);
            Condition replication = replicationCondition(seen);
            Condition redis = seen.redisReady()
                    ? condition(REDIS_READY, true, "RedisReady", "Redis answers")
                    : condition(REDIS_READY, false, "RedisNotReady", "the Redis pod is not ready yet");
            Condition api = apiCondition(seen);
            List<Condition> parts = List.of(primary, replication, redis, api);
            List<Condition> failing = parts.stream().filter(c -> !"True".equals(c.getStatus())).toList();
            conditions.add(blocker.map(why -> condition(READY, false, why.reason(), why.message()))
                    .orElseGet(() -> failing.isEmpty()
                    ? condition(READY, true, "AllComponentsReady", "primary, replication, Redis and API are ready")
                    : condition(READY, false, failing.getFirst().getReason(), failing.stream()
                            .map(c -> c.getType() + ": " + c.getMessage()).collect(Collectors.joining("; ")))));
            conditions.addAll(parts);
            seen.replication().ifPresent(report -> {
                if (report.primary().reachable() && !report.primary().inRecovery()) {
                    status.setPrimary(report.primary().name());
                }
                status.setReplicas(report.replicas().stream().map(StatusCalculator::replicaStatus).toList());
            });
        }

        var transitions = new ArrayList<Condition>();
        for (Condition condition : conditions) {
            Optional<Condition> before = previous.getConditions().stream()
                    .filter(c -> c.getType().equals(condition.getType())).findFirst();
            boolean changed = before.map(c -> !c.getStatus().equals(condition.getStatus())
                    || !c.getReason().equals(condition.getReason())).orElse(true);
            String since = before.filter(c -> c.getStatus().equals(condition.getStatus()))
                    .map(Condition::getLastTransitionTime).orElse(timestamp(now));
            condition.setLastTransitionTime(since);
            condition.setObservedGeneration(seen.generation());
            if (changed) {
                transitions.add(condition);
            }
        }
        status.setConditions(conditions);
        status.setPhase(phase(previous.getPhase(), conditions.getFirst()));
        return new Result(status, transitions);
    }

    /**
     * The status when the children could not be applied (the API server refused one): everything as
     * before, but {@code Ready} is False with reason {@code ApplyFailed} and {@code message}, since the
     * cluster no longer runs what the spec says.
     */
    public static Result applyFailed(CachedApiStatus previous, long generation, String message, Instant now) {
        var status = new CachedApiStatus();
        status.setObservedGeneration(previous.getObservedGeneration());
        status.setEndpoints(previous.getEndpoints());
        status.setApi(previous.getApi());
        status.setPrimary(previous.getPrimary());
        status.setReplicas(previous.getReplicas());
        status.setBootstrapped(previous.getBootstrapped());
        status.setPendingRestart(previous.getPendingRestart());
        Condition ready = condition(READY, false, APPLY_FAILED, message);
        Optional<Condition> before = previous.getConditions().stream().filter(c -> c.getType().equals(READY)).findFirst();
        boolean changed = before.map(c -> !"False".equals(c.getStatus()) || !APPLY_FAILED.equals(c.getReason())
                || !message.equals(c.getMessage())).orElse(true);
        ready.setLastTransitionTime(before.filter(c -> "False".equals(c.getStatus()))
                .map(Condition::getLastTransitionTime).orElse(timestamp(now)));
        ready.setObservedGeneration(generation);
        var conditions = new ArrayList<Condition>();
        conditions.add(ready);
        previous.getConditions().stream().filter(c -> !c.getType().equals(READY)).forEach(conditions::add);
        status.setConditions(conditions);
        status.setPhase(phase(previous.getPhase(), ready));
        return new Result(status, changed ? List.of(ready) : List.of());
    }

    private static Phase phase(Phase before, Condition ready) {
        if ("True".equals(ready.getStatus())) {
            return Phase.Ready;
        }
        boolean wasRunning = before == Phase.Ready || before == Phase.Degraded || before == Phase.FailingOver;
        if (wasRunning) {
            return Phase.Degraded;
        }
        return INVALID_SPEC.equals(ready.getReason()) ? Phase.Pending : Phase.Provisioning;
    }

    private static Condition primaryCondition(Observation seen) {
        if (seen.replication().isEmpty()) {
            return condition(PRIMARY_READY, false, "PrimaryStarting", seen.designatedPrimary() + " is not running yet");
        }
        ReplicationReport.InstanceState primary = seen.replication().get().primary();
        return primary.problem()
                .map(problem -> condition(PRIMARY_READY, false, problem.reason().name(), problem.message()))
                .orElseGet(() -> condition(PRIMARY_READY, true, "PrimaryReady",
                        primary.name() + " answers pg_is_in_recovery() = false"));
    }

    private static Condition replicationCondition(Observation seen) {
        if (seen.expectedReplicas() == 0) {
            return condition(REPLICATION_HEALTHY, true, "NoReplicasRequested", "spec.postgres.replicas is 0");
        }
        if (seen.replication().isEmpty()) {
            return condition(REPLICATION_HEALTHY, false, "ReplicasStarting", "the replicas are not running yet");
        }
        ReplicationReport report = seen.replication().get();
        List<ReplicationReport.Problem> problems = report.problems().stream()
                .filter(problem -> !problem.instance().equals(report.primary().name())).toList();
        if (!problems.isEmpty()) {
            return condition(REPLICATION_HEALTHY, false, problems.getFirst().reason().name(), problems.stream()
                    .map(ReplicationReport.Problem::message).collect(Collectors.joining("; ")));
        }
        if (!report.primary().problem().isEmpty()) {
            return condition(REPLICATION_HEALTHY, false, "PrimaryNotReady",
                    "replication cannot be verified while the primary is not ready");
        }
        return condition(REPLICATION_HEALTHY, true, "ReplicasStreaming", report.replicas().size()
                + " replica(s) in recovery and streaming from " + report.primary().name());
    }

    private static Condition apiCondition(Observation seen) {
        String counts = seen.apiReady() + "/" + seen.apiDesired() + " API pods ready";
        if (seen.apiDesired() == 0) {
            return condition(API_AVAILABLE, true, "ScaledToZero", "spec.api.replicas is 0");
        }
        return seen.apiReady() > 0
                ? condition(API_AVAILABLE, true, "ApiAvailable", counts)
                : condition(API_AVAILABLE, false, "NoApiPodReady", counts);
    }

    private static CachedApiStatus.ReplicaStatus replicaStatus(ReplicationReport.ReplicaState replica) {
        return new CachedApiStatus.ReplicaStatus(replica.name(), replica.reachable() ? replica.inRecovery() : null,
                replica.walReceiverStatus(), replica.replayLagBytes(),
                replica.problem().map(ReplicationReport.Problem::message).orElse(null));
    }

    private static Condition condition(String type, boolean status, String reason, String message) {
        return new ConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason)
                .withMessage(message).build();
    }

    private static String timestamp(Instant now) {
        return DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
    }
}
