package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

/** Metadata of a child: name, namespace, labels, and the CachedApi as its controlling owner. */
final class Metadata {

    private Metadata() {
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
