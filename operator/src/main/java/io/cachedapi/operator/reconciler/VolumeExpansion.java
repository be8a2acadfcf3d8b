package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiSpec;
import io.cachedapi.operator.resources.Labels;
import io.cachedapi.operator.resources.Names;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeResourceRequirements;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A storage size the spec grows: a StatefulSet's volume claim templates cannot change, so the volumes
 * themselves are expanded (each claim's request raised; the storage class must allow it, and the API
 * server says so when it does not), then the StatefulSet is deleted without its pods (orphaned) and
 * the workflow creates it again with the new size, for the pods made later. Volumes never shrink: a
 * smaller size is a problem of the spec.
 */
final class VolumeExpansion {

    /** What this reconcile did about the volumes. */
    sealed interface Outcome {
        /** Nothing to expand: the workflow goes on. */
        record Unchanged() implements Outcome {
        }

        /** Volumes expanded and the StatefulSet deleted: the workflow creates it at the next reconcile. */
        record SetRecreating(String set) implements Outcome {
        }

        /** The API server refused to expand a volume: the spec should go back to the size there is. */
        record Refused(String message) implements Outcome {
        }
    }

    private record Volumes(String field, String set, CachedApiSpec.Storage storage, String component) {
    }

    private VolumeExpansion() {
    }

    /** The sizes that would shrink a volume, as problems of the spec. */
    static List<String> problems(CachedApi api, KubernetesClient client) {
        var problems = new ArrayList<String>();
        for (Volumes volumes : volumes(api)) {
            currentSize(api, client, volumes.set()).ifPresent(current -> {
                if (bytes(new Quantity(volumes.storage().getSize())) < bytes(current)) {
                    problems.add(volumes.field() + " (" + volumes.storage().getSize() + ") is smaller than the volumes"
                            + " there are (" + current + "): volumes do not shrink; set it back to " + current
                            + " or more");
                }
            });
        }
        return problems;
    }

    static Outcome expand(CachedApi api, KubernetesClient client, Instant now) {
        String namespace = api.getMetadata().getNamespace();
        for (Volumes volumes : volumes(api)) {
            Optional<Quantity> current = currentSize(api, client, volumes.set());
            Quantity wanted = new Quantity(volumes.storage().getSize());
            if (current.isEmpty() || bytes(wanted) <= bytes(current.get())) {
                continue;
            }
            var expanded = new ArrayList<String>();
            for (PersistentVolumeClaim claim : client.persistentVolumeClaims().inNamespace(namespace)
                    .withLabels(Labels.selector(api, volumes.component())).list().getItems()) {
                if (requested(claim).map(size -> bytes(size) >= bytes(wanted)).orElse(false)) {
                    continue;
                }
                String name = claim.getMetadata().getName();
                try {
                    client.persistentVolumeClaims().inNamespace(namespace).withName(name).edit(edited -> {
                        PersistentVolumeClaimSpec spec = edited.getSpec();
                        if (spec.getResources() == null) {
                            spec.setResources(new VolumeResourceRequirements());
                        }
                        spec.getResources().getRequests().put("storage", wanted);
                        return edited;
                    });
                    expanded.add(name);
                } catch (KubernetesClientException refused) {
                    String why = refused.getStatus() != null && refused.getStatus().getMessage() != null
                            ? refused.getStatus().getMessage() : refused.getMessage();
                    return new Outcome.Refused(volumes.field() + ": the cluster refused to expand " + name + " to "
                            + wanted + ": " + why + ". Set it back to " + current.get()
                            + ", or use a storage class that allows volume expansion");
                }
            }
            client.apps().statefulSets().inNamespace(namespace).withName(volumes.set())
                    .withPropagationPolicy(DeletionPropagation.ORPHAN).delete();
            Events.record(client, api, true, "VolumesExpanded", (expanded.isEmpty() ? "the volumes" : String.join(", ", expanded))
                    + " expanded from " + current.get() + " to " + wanted + "; " + volumes.set()
                    + " is made again with the new size, its pods keep running", now);
            return new Outcome.SetRecreating(volumes.set());
        }
        return new Outcome.Unchanged();
    }

    private static List<Volumes> volumes(CachedApi api) {
        return List.of(
                new Volumes("spec.postgres.storage.size", Names.pg(api), api.getSpec().getPostgres().getStorage(),
                        Labels.POSTGRES),
                new Volumes("spec.redis.storage.size", Names.redis(api), api.getSpec().getRedis().getStorage(),
                        Labels.REDIS));
    }

    /** The size the StatefulSet's volume claim template asks for now, when the set exists. */
    private static Optional<Quantity> currentSize(CachedApi api, KubernetesClient client, String set) {
        StatefulSet existing = client.apps().statefulSets().inNamespace(api.getMetadata().getNamespace())
                .withName(set).get();
        if (existing == null || existing.getSpec().getVolumeClaimTemplates() == null) {
            return Optional.empty();
        }
        return existing.getSpec().getVolumeClaimTemplates().stream().findFirst().flatMap(VolumeExpansion::requested);
    }

    private static Optional<Quantity> requested(PersistentVolumeClaim claim) {
        return Optional.ofNullable(claim.getSpec()).map(PersistentVolumeClaimSpec::getResources)
                .map(VolumeResourceRequirements::getRequests).map(requests -> requests.get("storage"));
    }

    private static long bytes(Quantity quantity) {
        return Quantity.getAmountInBytes(quantity).longValue();
    }
}
