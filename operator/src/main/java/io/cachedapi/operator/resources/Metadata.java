package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

/** Metadata of a child: name, namespace, labels, and (most often) the CachedApi as its controlling owner. */
final class Metadata {

    private Metadata() {
    }

    /** Name, namespace and labels, without an owner: the object outlives the CachedApi (credentials, as volumes do). */
    static ObjectMeta unowned(CachedApi api, String name, String component) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(api.getMetadata().getNamespace())
                .withLabels(Labels.of(api, component))
                .build();
    }

    static ObjectMeta of(CachedApi api, String name, String component) {
        var metadata = new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(api.getMetadata().getNamespace())
                .withLabels(Labels.of(api, component));
        // Rendered without a cluster there is no uid yet; on a cluster the owner makes deletion cascade.
        if (api.getMetadata().getUid() != null) {
            metadata.addToOwnerReferences(new OwnerReferenceBuilder()
                    .withApiVersion(api.getApiVersion())
                    .withKind(api.getKind())
                    .withName(api.getMetadata().getName())
                    .withUid(api.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build());
        }
        return metadata.build();
    }
}
