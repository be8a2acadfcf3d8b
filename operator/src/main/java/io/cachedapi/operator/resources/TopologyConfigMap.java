package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/**
 * {@code <name>-topology}: which pod is the current primary. Pods read it at start (PG_PRIMARY_NAME),
 * so an empty volume on any other pod becomes a replica of that primary; failover would change it here.
 */
public class TopologyConfigMap extends CRUDKubernetesDependentResource<ConfigMap, CachedApi> {

    public static final String PRIMARY = "primary";

    public TopologyConfigMap() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static ConfigMap build(CachedApi api) {
        String primary = api.getStatus() != null && api.getStatus().getPrimary() != null
                ? api.getStatus().getPrimary() : Names.pgPod(api, 0);
        return new ConfigMapBuilder()
                .withMetadata(Metadata.of(api, Names.topology(api), Labels.POSTGRES))
                .addToData(PRIMARY, primary)
                .build();
    }
}
