package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.crd.CachedApiStatus;
import io.cachedapi.operator.observer.ReplicationReport;
import java.util.List;
import java.util.Optional;

/**
 * What the operator saw of one CachedApi in one reconcile.
 *
 * @param replication        what PostgreSQL answered; empty before the pg pods and their credentials exist
 * @param expectedReplicas   spec.postgres.replicas
 * @param designatedPrimary  the pod the topology names as the primary
 * @param redisReady         whether the Redis pod is ready
 * @param apiDesired         spec.api.replicas
 * @param apiExisting        API pods that exist
 * @param apiReady           API pods that are ready
 * @param apiSelector        the API pods' label selector (for the scale subresource)
 * @param endpoints          where clients reach the stack
 */
public record Observation(
        long generation,
        Optional<ReplicationReport> replication,
        int expectedReplicas,
        String designatedPrimary,
        boolean redisReady,
        int apiDesired,
        int apiExisting,
        int apiReady,
        String apiSelector,
        CachedApiStatus.Endpoints endpoints) {
}
