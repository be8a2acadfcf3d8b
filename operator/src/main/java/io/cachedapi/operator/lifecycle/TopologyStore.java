package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.resources.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads and changes the topology ConfigMap. A change is a compare-and-set on the ConfigMap's
 * resourceVersion: it succeeds only if nobody changed the topology since it was read (the lease that
 * keeps promotions one at a time, even with two operators running).
 */
public final class TopologyStore {

    private final KubernetesClient client;

    public TopologyStore(KubernetesClient client) {
        this.client = client;
    }

    public Optional<Topology> read(CachedApi api) {
        return Optional.ofNullable(configMap(api)).map(map -> Topology.from(api, map.getData()));
    }

    /**
     * Replaces {@code expected} with {@code next}; false (and nothing written) when the stored topology
     * is not {@code expected} any more or changed while it was being written.
     */
    public boolean compareAndSet(CachedApi api, Topology expected, Topology next) {
        ConfigMap current = configMap(api);
        if (current == null || !Objects.equals(Topology.from(api, current.getData()), expected)) {
            return false;
        }
        current.setData(next.data());
        try {
            // update() sends the resourceVersion read above: the API server refuses it if anything changed since
            client.configMaps().inNamespace(api.getMetadata().getNamespace()).resource(current).update();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return false;
            }
            throw e;
        }
    }

    private ConfigMap configMap(CachedApi api) {
        return client.configMaps().inNamespace(api.getMetadata().getNamespace()).withName(Names.topology(api)).get();
    }
}
