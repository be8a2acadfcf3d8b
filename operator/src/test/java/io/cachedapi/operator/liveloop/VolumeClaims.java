package io.cachedapi.operator.liveloop;

import io.cachedapi.testkit.Directories;
import io.cachedapi.testkit.ServerUser;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The StatefulSet's volume claims and the provisioner behind them: claim {@code <template>-<pod>} is a
 * PersistentVolumeClaim object and the directory {@code <base>/volumes/<template>-<pod>}, which
 * outlives the pods that mount it. A claim whose object was deleted is provisioned afresh (empty) when
 * its pod is next created, as a dynamically provisioned volume goes with its claim.
 */
final class VolumeClaims {

    private final KubernetesClient client;
    private final String namespace;
    private final Path directory;
    private final ServerUser user;

    VolumeClaims(KubernetesClient client, String namespace, Path directory, ServerUser user) {
        this.client = client;
        this.namespace = namespace;
        this.directory = Directories.createOwned(directory, user);
        this.user = user;
    }

    static List<String> names(StatefulSet statefulSet, String podName) {
        return templates(statefulSet).stream().map(template -> template.getMetadata().getName() + "-" + podName).toList();
    }

    /** Creates the pod's claims that do not exist (object and a fresh directory), as the controller does before the pod. */
    void ensure(StatefulSet statefulSet, String podName) {
        for (PersistentVolumeClaim template : templates(statefulSet)) {
            String name = template.getMetadata().getName() + "-" + podName;
            if (client.persistentVolumeClaims().inNamespace(namespace).withName(name).get() != null) {
                Directories.createOwned(local(name), user);
                continue;
            }
            var labels = new HashMap<String, String>(Objects.requireNonNullElse(template.getMetadata().getLabels(), Map.of()));
            labels.putAll(Objects.requireNonNullElse(statefulSet.getSpec().getSelector().getMatchLabels(), Map.of()));
            PersistentVolumeClaim claim = new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).endMetadata()
                    .withSpec(template.getSpec())
                    .build();
            try {
                client.persistentVolumeClaims().inNamespace(namespace).resource(claim).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {   // another pass created it a moment ago: its volume is in use
                    continue;
                }
                throw e;
            }
            client.persistentVolumeClaims().inNamespace(namespace).withName(name).editStatus(pvc -> {
                pvc.setStatus(new PersistentVolumeClaimStatusBuilder().withPhase("Bound")
                        .withAccessModes(template.getSpec().getAccessModes())
                        .withCapacity(template.getSpec().getResources().getRequests()).build());
                return pvc;
            });
            // a new claim is a new, empty volume, whatever an earlier claim of that name left
            Directories.deleteRecursively(local(name));
            Directories.createOwned(local(name), user);
        }
    }

    /** The directory of a claim a pod mounts; a claim without one is not bound (yet). */
    Path boundDirectory(String claimName) throws ContainerConfigError {
        Path local = local(claimName);
        if (!Files.isDirectory(local)) {
            throw new ContainerConfigError("persistentVolumeClaim \"" + claimName + "\" is not bound");
        }
        return local;
    }

    /** Claims of ordinals at or above {@code replicas} that still exist: their pods were scaled away. */
    List<String> scaledAway(StatefulSet statefulSet, int replicas) {
        String setName = statefulSet.getMetadata().getName();
        try (Stream<Path> existing = Files.list(directory)) {
            List<String> names = existing.map(path -> path.getFileName().toString()).toList();
            return templates(statefulSet).stream()
                    .flatMap(template -> names.stream().filter(name -> {
                        String prefix = template.getMetadata().getName() + "-" + setName + "-";
                        return name.startsWith(prefix) && name.substring(prefix.length()).matches("\\d+")
                                && Integer.parseInt(name.substring(prefix.length())) >= replicas;
                    }))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the claim and its volume (retention policy Delete). */
    void delete(String claimName) {
        client.persistentVolumeClaims().inNamespace(namespace).withName(claimName).delete();
        Directories.deleteRecursively(local(claimName));
    }

    Path local(String claimName) {
        return directory.resolve(claimName);
    }

    private static List<PersistentVolumeClaim> templates(StatefulSet statefulSet) {
        return Objects.requireNonNullElse(statefulSet.getSpec().getVolumeClaimTemplates(), List.of());
    }
}
