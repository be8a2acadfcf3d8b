package io.cachedapi.operator.observer;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.resources.PgStatefulSet;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;

/**
 * Where the operator reaches a pg pod's PostgreSQL: its IP. A pod that does not exist or has no IP yet
 * gets an endpoint without a host, which the probe reports as unreachable without trying to connect.
 */
public final class PodEndpoints {

    private PodEndpoints() {
    }

    public static PostgresEndpoint of(CachedApi api, String name, Pod pod) {
        return new PostgresEndpoint(name, Optional.ofNullable(pod).flatMap(PodEndpoints::ip).orElse(null),
                PgStatefulSet.PORT);
    }

    public static Optional<String> ip(Pod pod) {
        return Optional.ofNullable(pod.getStatus()).map(status -> status.getPodIP()).filter(ip -> !ip.isBlank());
    }
}
