package io.cachedapi.operator.liveloop;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The keys and values of a ConfigMap or Secret, read from the API server at the moment a container
 * starts (env references and volumes see the objects as they are then). A missing object is a
 * {@link ContainerConfigError} unless the reference is {@code optional}.
 */
final class ConfigObjects {

    private final KubernetesClient client;
    private final String namespace;

    ConfigObjects(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    Optional<Map<String, byte[]>> configMap(String name, Boolean optional) throws ContainerConfigError {
        ConfigMap found = client.configMaps().inNamespace(namespace).withName(name).get();
        return present(found == null ? null : contents(found), "configmap", name, optional);
    }

    Optional<Map<String, byte[]>> secret(String name, Boolean optional) throws ContainerConfigError {
        Secret found = client.secrets().inNamespace(namespace).withName(name).get();
        return present(found == null ? null : contents(found), "secret", name, optional);
    }

    private static Optional<Map<String, byte[]>> present(Map<String, byte[]> contents, String kind, String name,
                                                         Boolean optional) throws ContainerConfigError {
        if (contents == null && !Boolean.TRUE.equals(optional)) {
            throw new ContainerConfigError(kind + " \"" + name + "\" not found");
        }
        return Optional.ofNullable(contents);
    }

    private static Map<String, byte[]> contents(ConfigMap configMap) {
        var contents = new LinkedHashMap<String, byte[]>();
        if (configMap.getData() != null) {
            configMap.getData().forEach((key, value) -> contents.put(key, value.getBytes(StandardCharsets.UTF_8)));
        }
        if (configMap.getBinaryData() != null) {
            configMap.getBinaryData().forEach((key, value) -> contents.put(key, Base64.getDecoder().decode(value)));
        }
        return contents;
    }

    /**
     * {@code data} is base64, as a real API server stores it; {@code stringData} is honoured too, because
     * the mock server keeps what was sent instead of merging it into {@code data}.
     */
    private static Map<String, byte[]> contents(Secret secret) {
        var contents = new LinkedHashMap<String, byte[]>();
        if (secret.getData() != null) {
            secret.getData().forEach((key, value) -> contents.put(key, Base64.getDecoder().decode(value)));
        }
        if (secret.getStringData() != null) {
            secret.getStringData().forEach((key, value) -> contents.put(key, value.getBytes(StandardCharsets.UTF_8)));
        }
        return contents;
    }
}
