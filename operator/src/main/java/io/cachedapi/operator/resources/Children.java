package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;

/** Every object the operator creates for a CachedApi, in the order the workflow creates them. */
public final class Children {

    private Children() {
    }

    public static List<HasMetadata> desired(CachedApi api) {
        return List.of(
                PgCredentialsSecret.build(api),
                RedisCredentialsSecret.build(api),
                PgConfigMap.build(api),
                TopologyConfigMap.build(api),
                PgHeadlessService.build(api),
                PgReadWriteService.build(api),
                PgReadOnlyService.build(api),
                PgStatefulSet.build(api),
                PgDisruptionBudget.build(api),
                PgPrimaryDisruptionBudget.build(api),
                RedisService.build(api),
                RedisStatefulSet.build(api),
                ApiService.build(api),
                ApiDeployment.build(api),
                ApiDisruptionBudget.build(api));
    }
}
