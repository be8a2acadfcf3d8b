package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.lifecycle.Topology;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/**
 * {@code <name>-topology}: which pod is the current primary and whether the cluster was bootstrapped
 * ({@link Topology}). Pods read it at start (PG_PRIMARY_NAME, PG_BOOTSTRAPPED). This dependent only
 * creates it (pod 0, not bootstrapped) and keeps its labels; its values belong to the lifecycle code,
 * which changes them by compare-and-set, so they are carried over as they are.
 */
public class TopologyConfigMap extends CRUDKubernetesDependentResource<ConfigMap, CachedApi> {

    public static final String PRIMARY = Topology.PRIMARY;
    public static final String BOOTSTRAPPED = Topology.BOOTSTRAPPED;

    public TopologyConfigMap() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(CachedApi api, Context<CachedApi> context) {
        // by name: two dependents share the ConfigMap kind (and the framework's own lookup would call desired())
        Topology current = context.getSecondaryResourcesAsStream(ConfigMap.class)
                .filter(existing -> Names.topology(api).equals(existing.getMetadata().getName())).findFirst()
                .map(existing -> Topology.from(api, existing.getData()))
                .orElseGet(() -> Topology.initial(api));
        return build(api, current);
    }

    /** The ConfigMap of a cluster that has not started yet. */
    public static ConfigMap build(CachedApi api) {
        return build(api, Topology.initial(api));
    }

    static ConfigMap build(CachedApi api, Topology topology) {
        return new ConfigMapBuilder()
                .withMetadata(Metadata.of(api, Names.topology(api), Labels.POSTGRES))
                .addToData(topology.data())
                .build();
    }
}
