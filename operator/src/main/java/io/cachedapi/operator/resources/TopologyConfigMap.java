package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.lifecycle.Topology;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;

/**
 * {@code <name>-topology}: which pod is the current primary and whether the cluster was bootstrapped
 * ({@link Topology}). Pods read it at start (PG_PRIMARY_NAME, PG_BOOTSTRAPPED, PG_RECLONE). This dependent only
 * creates it (pod 0, not bootstrapped) and never updates it: its values belong to the lifecycle code,
 * which changes them by compare-and-set alone. (Updating it here from an informer's cache could write
 * an older topology back over a promotion.)
 */
public class TopologyConfigMap extends KubernetesDependentResource<ConfigMap, CachedApi>
        implements Creator<ConfigMap, CachedApi>, GarbageCollected<CachedApi> {

    public static final String PRIMARY = Topology.PRIMARY;
    public static final String BOOTSTRAPPED = Topology.BOOTSTRAPPED;
    public static final String RECLONE = Topology.RECLONE;

    public TopologyConfigMap() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    /** The ConfigMap of a cluster that has not started yet. */
    public static ConfigMap build(CachedApi api) {
        return new ConfigMapBuilder()
                .withMetadata(Metadata.of(api, Names.topology(api), Labels.POSTGRES))
                .addToData(Topology.initial(api).data())
                .build();
    }
}
