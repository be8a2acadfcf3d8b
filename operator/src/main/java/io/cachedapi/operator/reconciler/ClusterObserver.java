package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiStatus;
import io.cachedapi.operator.lifecycle.Topology;
import io.cachedapi.operator.observer.PodEndpoints;
import io.cachedapi.operator.observer.PostgresEndpoint;
import io.cachedapi.operator.observer.ProbeFactory;
import io.cachedapi.operator.observer.ReplicationReport;
import io.cachedapi.operator.resources.ApiService;
import io.cachedapi.operator.resources.Labels;
import io.cachedapi.operator.resources.Names;
import io.cachedapi.operator.resources.PgCredentialsSecret;
import io.cachedapi.operator.resources.PgStatefulSet;
import io.cachedapi.operator.resources.RedisStatefulSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at what runs for a CachedApi: asks each pg pod's PostgreSQL what it is (and labels the pod
 * with that role), and reads the Redis and API workloads' status.
 */
final class ClusterObserver {

    private static final Logger log = LoggerFactory.getLogger(ClusterObserver.class);

    private final ProbeFactory probes;

    ClusterObserver(ProbeFactory probes) {
        this.probes = probes;
    }

    /**
     * @param primarySilentSince since when the primary watch has had no answer from the primary, if so:
     *                           then the probe does not wait on it again
     */
    Observation observe(CachedApi api, Context<CachedApi> context, Topology topology,
                        Optional<Instant> primarySilentSince) {
        String designatedPrimary = topology.primary();
        int expectedReplicas = api.getSpec().getPostgres().getReplicas();
        Optional<ReplicationReport> replication = probeReplication(api, context, topology, expectedReplicas,
                primarySilentSince);

        boolean redisReady = secondary(context, StatefulSet.class, Names.redis(api))
                .map(StatefulSet::getStatus).map(status -> Objects.requireNonNullElse(status.getReadyReplicas(), 0) > 0)
                .orElse(false);
        var deployment = secondary(context, Deployment.class, Names.api(api))
                .map(Deployment::getStatus);
        int apiExisting = deployment.map(status -> Objects.requireNonNullElse(status.getReplicas(), 0)).orElse(0);
        int apiReady = deployment.map(status -> Objects.requireNonNullElse(status.getReadyReplicas(), 0)).orElse(0);
        String selector = Labels.selector(api, Labels.API).entrySet().stream()
                .map(label -> label.getKey() + "=" + label.getValue()).collect(Collectors.joining(","));
        var endpoints = new CachedApiStatus.Endpoints(
                Names.pgReadWrite(api) + ":" + PgStatefulSet.PORT,
                Names.pgReadOnly(api) + ":" + PgStatefulSet.PORT,
                Names.redis(api) + ":" + RedisStatefulSet.PORT,
                Names.api(api) + ":" + ApiService.PORT);
        return new Observation(api.getMetadata().getGeneration() == null ? 0 : api.getMetadata().getGeneration(),
                replication, expectedReplicas, designatedPrimary, redisReady,
                api.getSpec().getApi().getReplicas(), apiExisting, apiReady, selector, endpoints);
    }

    private Optional<ReplicationReport> probeReplication(CachedApi api, Context<CachedApi> context,
                                                         Topology topology, int expectedReplicas,
                                                         Optional<Instant> primarySilentSince) {
        String designatedPrimary = topology.primary();
        Map<String, Pod> pods = context.getClient().pods().inNamespace(api.getMetadata().getNamespace())
                .withLabels(Labels.selector(api, Labels.POSTGRES)).list().getItems().stream()
                .collect(Collectors.toMap(pod -> pod.getMetadata().getName(), Function.identity()));
        Optional<String> password = superuserPassword(api, context);
        Pod primaryPod = pods.get(designatedPrimary);
        boolean primaryStarted = primaryPod != null && PodEndpoints.ip(primaryPod).isPresent();
        // Before the first bootstrap a missing primary is just not started yet; after it, it is an outage
        if (password.isEmpty() || (!primaryStarted && !topology.bootstrapped())) {
            return Optional.empty();
        }
        var replicas = new ArrayList<PostgresEndpoint>();
        for (int ordinal = 0; ordinal <= expectedReplicas; ordinal++) {
            String name = Names.pgPod(api, ordinal);
            if (!name.equals(designatedPrimary)) {
                replicas.add(endpoint(api, name, pods.get(name)));
            }
        }
        PostgresEndpoint primary = endpoint(api, designatedPrimary, primaryPod);
        if (primarySilentSince.isPresent()) {
            primary = primary.withoutAsking("no answer to the primary watch since " + primarySilentSince.get());
        }
        ReplicationReport report = probes.withCredentials(PgCredentialsSecret.SUPERUSER, password.get())
                .probe(primary, replicas);
        labelRoles(api, context, pods, report);
        return Optional.of(report);
    }

    /** The superuser's password, from the Secret the operator made (the informer's cache). */
    Optional<String> superuserPassword(CachedApi api, Context<CachedApi> context) {
        return secondary(context, Secret.class, Names.pgCredentials(api))
                .flatMap(secret -> value(secret, PgCredentialsSecret.SUPERUSER_PASSWORD));
    }

    /**
     * The role label follows what PostgreSQL answers: the designated primary when it is not in recovery,
     * replicas when they are. A non-primary pod that is not in recovery gets no role, so neither Service
     * sends it traffic; an unreachable pod keeps its label (the operator may be the one cut off).
     */
    private static void labelRoles(CachedApi api, Context<CachedApi> context, Map<String, Pod> pods,
                                   ReplicationReport report) {
        var roles = new java.util.LinkedHashMap<String, Optional<String>>();
        if (report.primary().reachable()) {
            roles.put(report.primary().name(),
                    report.primary().inRecovery() ? Optional.empty() : Optional.of(Labels.PRIMARY));
        }
        for (ReplicationReport.ReplicaState replica : report.replicas()) {
            if (replica.reachable()) {
                roles.put(replica.name(), replica.inRecovery() ? Optional.of(Labels.REPLICA) : Optional.empty());
            }
        }
        roles.forEach((name, role) -> {
            Pod pod = pods.get(name);
            if (pod == null) {
                return;
            }
            Optional<String> current = Optional.ofNullable(pod.getMetadata().getLabels()).map(l -> l.get(Labels.ROLE));
            if (!current.equals(role)) {
                log.info("pod={} role={} (was {})", name, role.orElse("none"), current.orElse("none"));
                context.getClient().pods().inNamespace(api.getMetadata().getNamespace()).withName(name).edit(p -> {
                    if (role.isPresent()) {
                        p.getMetadata().getLabels().put(Labels.ROLE, role.get());
                    } else {
                        p.getMetadata().getLabels().remove(Labels.ROLE);
                    }
                    return p;
                });
            }
        });
    }

    /** A child by name, from the informers' caches (several children share a kind). */
    private static <R extends HasMetadata> Optional<R> secondary(Context<CachedApi> context, Class<R> kind, String name) {
        return context.getSecondaryResourcesAsStream(kind)
                .filter(resource -> name.equals(resource.getMetadata().getName())).findFirst();
    }

    private static PostgresEndpoint endpoint(CachedApi api, String name, Pod pod) {
        return PodEndpoints.of(api, name, pod);
    }

    /** A Secret value, from data (base64, as the API server stores it) or stringData (as written). */
    private static Optional<String> value(Secret secret, String key) {
        if (secret.getData() != null && secret.getData().get(key) != null) {
            return Optional.of(new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8));
        }
        return Optional.ofNullable(secret.getStringData()).map(data -> data.get(key));
    }
}
