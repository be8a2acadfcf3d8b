package io.cachedapi.operator.parameters;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.lifecycle.PostgresAdmin;
import io.cachedapi.operator.observer.PodEndpoints;
import io.cachedapi.operator.observer.ReplicationReport;
import io.cachedapi.operator.resources.PgConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spec.postgres.parameters} brought to the running servers. The ConfigMap reaches each pod's
 * file some time after it changed (the kubelet syncs mounted ConfigMaps periodically); once a server
 * reads the wanted file, it is told to reload, once per content, and the settings whose new value needs
 * a restart (PostgreSQL says which: {@code pending_restart}) make that pod due for one, which the
 * lifecycle's Rollout gives replicas first and the primary last, through a switchover.
 */
public final class ParameterApplication {

    private static final Logger log = LoggerFactory.getLogger(ParameterApplication.class);

    /**
     * @param restartDue     pod to the settings it waits to restart for
     * @param waitingForFile pods whose file does not say what the spec does yet, or that were just reloaded
     * @param errors         values a server refused in the file (the catalogue check should have caught them)
     */
    public record Result(Map<String, List<String>> restartDue, List<String> waitingForFile, List<String> errors) {

        /** Every setting some pod waits to restart for, once each, sorted. */
        public List<String> pendingRestart() {
            return restartDue.values().stream().flatMap(List::stream).distinct().sorted().toList();
        }
    }

    /** Per CachedApi, per pod uid: the parameters that pod was told to reload. */
    private final Map<String, Map<String, Map<String, String>>> reloaded = new ConcurrentHashMap<>();

    public Result step(CachedApi api, PostgresAdmin admin, ReplicationReport report, Map<String, Pod> pods) {
        Map<String, String> wanted = new TreeMap<>(api.getSpec().getPostgres().getParameters());
        Map<String, Map<String, String>> reloadedHere = reloaded.computeIfAbsent(api.getMetadata().getUid(),
                uid -> new ConcurrentHashMap<>());
        reloadedHere.keySet().retainAll(pods.values().stream().map(pod -> pod.getMetadata().getUid())
                .collect(Collectors.toSet()));
        var restartDue = new TreeMap<String, List<String>>();
        var waiting = new ArrayList<String>();
        var errors = new ArrayList<String>();
        List<String> answering = Stream.concat(Stream.of(report.primary()).filter(ReplicationReport.InstanceState::reachable)
                        .map(ReplicationReport.InstanceState::name),
                report.replicas().stream().filter(ReplicationReport.ReplicaState::reachable)
                        .map(ReplicationReport.ReplicaState::name)).toList();
        for (String name : answering) {
            Pod pod = pods.get(name);
            if (pod == null) {
                continue;
            }
            var endpoint = PodEndpoints.of(api, name, pod);
            try {
                ParameterState state = admin.parameters(endpoint, PgConfigMap.EXTRA_CONF);
                if (!new TreeMap<>(state.inFile()).equals(wanted)) {
                    waiting.add(name);
                    continue;
                }
                state.errors().forEach(error -> errors.add(name + ": " + error));
                if (!wanted.equals(reloadedHere.get(pod.getMetadata().getUid()))) {
                    log.info("cachedapi={}/{} parameters: reloading pod={}", api.getMetadata().getNamespace(),
                            api.getMetadata().getName(), name);
                    admin.reload(endpoint);
                    reloadedHere.put(pod.getMetadata().getUid(), Map.copyOf(wanted));
                    // a reload is asynchronous: what waits for a restart shows at the next look, and until
                    // then this server is not known to be done (no restart may start meanwhile)
                    waiting.add(name);
                    continue;
                }
                if (!state.pendingRestart().isEmpty()) {
                    restartDue.put(name, state.pendingRestart());
                }
            } catch (PostgresAdmin.PostgresAdminException e) {
                log.warn("cachedapi={}/{} parameters: {}", api.getMetadata().getNamespace(), api.getMetadata().getName(),
                        e.getMessage());
            }
        }
        return new Result(restartDue, waiting, errors);
    }

    /** Forgets the CachedApis whose uid is not in {@code existingUids} (deleted ones). */
    public void retainOnly(Set<String> existingUids) {
        reloaded.keySet().retainAll(existingUids);
    }
}
