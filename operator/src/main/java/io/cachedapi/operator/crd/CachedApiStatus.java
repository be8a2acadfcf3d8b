package io.cachedapi.operator.crd;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed, from the cluster and from PostgreSQL itself. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonClassDescription("What the operator observed, from the cluster and from PostgreSQL itself.")
public class CachedApiStatus {

    @JsonPropertyDescription("The generation of the spec this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Pending, Provisioning, Ready, Degraded, or FailingOver while the primary does not"
            + " answer and a replica is about to be promoted.")
    private Phase phase;

    @JsonPropertyDescription("Ready, PrimaryReady, ReplicationHealthy, RedisReady and ApiAvailable, each with a reason and message.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The pod PostgreSQL reports as the primary.")
    private String primary;

    @JsonPropertyDescription("True once the first primary was initialised: from then on no pod runs initdb, an"
            + " empty volume is cloned from the primary, and a lost primary is replaced by promoting a replica.")
    private Boolean bootstrapped;

    @JsonPropertyDescription("Settings some pg pod applies only at its next restart (pg_settings.pending_restart);"
            + " the operator restarts the pods one at a time, replicas first, the primary through a switchover.")
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    private List<String> pendingRestart = new ArrayList<>();

    @JsonPropertyDescription("Each replica as PostgreSQL reports it.")
    private List<ReplicaStatus> replicas = new ArrayList<>();

    @JsonPropertyDescription("Where clients reach the stack inside the cluster.")
    private Endpoints endpoints;

    @JsonPropertyDescription("The API pods.")
    private ApiStatus api = new ApiStatus();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public Phase getPhase() {
        return phase;
    }

    public void setPhase(Phase phase) {
        this.phase = phase;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions == null ? new ArrayList<>() : conditions;
    }

    public String getPrimary() {
        return primary;
    }

    public void setPrimary(String primary) {
        this.primary = primary;
    }

    public List<ReplicaStatus> getReplicas() {
        return replicas;
    }

    public void setReplicas(List<ReplicaStatus> replicas) {
        this.replicas = replicas == null ? new ArrayList<>() : replicas;
    }

    public Endpoints getEndpoints() {
        return endpoints;
    }

    public void setEndpoints(Endpoints endpoints) {
        this.endpoints = endpoints;
    }

    public ApiStatus getApi() {
        return api;
    }

    public void setApi(ApiStatus api) {
        this.api = api == null ? new ApiStatus() : api;
    }

    public List<String> getPendingRestart() {
        return pendingRestart;
    }

    public void setPendingRestart(List<String> pendingRestart) {
        this.pendingRestart = pendingRestart == null ? new ArrayList<>() : pendingRestart;
    }

    public Boolean getBootstrapped() {
        return bootstrapped;
    }

    public void setBootstrapped(Boolean bootstrapped) {
        this.bootstrapped = bootstrapped;
    }

    public enum Phase { Pending, Provisioning, Ready, Degraded, FailingOver }

    /**
     * @param pod            the replica's pod
     * @param inRecovery     what {@code pg_is_in_recovery()} answered (null: the pod did not answer)
     * @param walReceiver    {@code pg_stat_wal_receiver.status} (streaming when healthy)
     * @param replayLagBytes how far replay is behind what the primary has written
     * @param problem        what is wrong, in words, when something is
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ReplicaStatus(
            @JsonPropertyDescription("The replica's pod.") String pod,
            @JsonPropertyDescription("What pg_is_in_recovery() answered on the pod; absent when it did not answer.")
            Boolean inRecovery,
            @JsonPropertyDescription("pg_stat_wal_receiver.status on the pod; streaming when healthy.") String walReceiver,
            @JsonPropertyDescription("Bytes of WAL the primary has sent that the replica has not replayed yet.")
            Long replayLagBytes,
            @JsonPropertyDescription("What is wrong with this replica, when something is.") String problem) {
    }

    public record Endpoints(
            @JsonPropertyDescription("The primary (host:port), for writes.") String write,
            @JsonPropertyDescription("The replicas (host:port), for reads.") String read,
            @JsonPropertyDescription("Redis (host:port).") String redis,
            @JsonPropertyDescription("The API Service (host:port).") String api) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ApiStatus {
        @JsonPropertyDescription("API pods that exist.")
        @StatusReplicas
        private Integer replicas;
        @JsonPropertyDescription("API pods that are ready.")
        private Integer readyReplicas;
        @JsonPropertyDescription("Ready API pods out of those asked for, as kubectl shows a Deployment's (2/2).")
        private String ready;
        @JsonPropertyDescription("Label selector of the API pods (for the scale subresource).")
        @LabelSelector
        private String selector;

        public Integer getReplicas() {
            return replicas;
        }

        public void setReplicas(Integer replicas) {
            this.replicas = replicas;
        }

        public String getReady() {
            return ready;
        }

        public void setReady(String ready) {
            this.ready = ready;
        }

        public Integer getReadyReplicas() {
            return readyReplicas;
        }

        public void setReadyReplicas(Integer readyReplicas) {
            this.readyReplicas = readyReplicas;
        }

        public String getSelector() {
            return selector;
        }

        public void setSelector(String selector) {
            this.selector = selector;
        }
    }
}
