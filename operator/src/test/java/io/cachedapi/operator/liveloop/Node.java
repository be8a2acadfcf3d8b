package io.cachedapi.operator.liveloop;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * What every pod of the fake node shares: the API server, how env and volumes are resolved, cluster
 * DNS, and a way to wake the controllers when a pod's state changed.
 */
record Node(KubernetesClient client, String namespace, EnvResolver env, Volumes volumes, ClusterDns dns,
            Runnable changed) {
}
