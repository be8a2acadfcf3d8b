package io.cachedapi.operator.liveloop;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.Objects;

/**
 * The workloads that run no process here (Redis, the API Deployment): their status says every replica
 * is ready, as OperatorIT's helpers write it, so the CachedApi can reach Ready on the strength of its
 * PostgreSQL pods alone. Their pods are not created and their Services have no endpoints.
 */
final class WorkloadStatuses {

    private final KubernetesClient client;
    private final String namespace;

    WorkloadStatuses(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    void markReady(StatefulSet set) {
        int replicas = Objects.requireNonNullElse(set.getSpec().getReplicas(), 1);
        StatefulSetStatus status = new StatefulSetStatusBuilder().withReplicas(replicas).withReadyReplicas(replicas)
                .withAvailableReplicas(replicas).withCurrentReplicas(replicas).withUpdatedReplicas(replicas)
                .withObservedGeneration(set.getMetadata().getGeneration()).build();
        write(client.apps().statefulSets().inNamespace(namespace).withName(set.getMetadata().getName()), set.getStatus(), status);
    }

    void markReady(Deployment deployment) {
        int replicas = Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);
        DeploymentStatus status = new DeploymentStatusBuilder().withReplicas(replicas).withReadyReplicas(replicas)
                .withAvailableReplicas(replicas).withUpdatedReplicas(replicas)
                .withObservedGeneration(deployment.getMetadata().getGeneration()).build();
        if (!status.equals(deployment.getStatus())) {
            try {
                client.apps().deployments().inNamespace(namespace).withName(deployment.getMetadata().getName())
                        .editStatus(current -> {
                            current.setStatus(status);
                            return current;
                        });
            } catch (KubernetesClientException e) {
                ignoreGone(e);
            }
        }
    }

    /** Writes a StatefulSet's status when it changed (every write wakes the operator's informers). */
    static void write(Resource<StatefulSet> set, StatefulSetStatus before, StatefulSetStatus after) {
        if (after.equals(before)) {
            return;
        }
        try {
            set.editStatus(current -> {
                current.setStatus(after);
                return current;
            });
        } catch (KubernetesClientException e) {
            ignoreGone(e);
        }
    }

    private static void ignoreGone(KubernetesClientException e) {
        if (e.getCode() != 404) {
            throw e;
        }
    }
}
