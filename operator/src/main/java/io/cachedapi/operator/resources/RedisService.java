package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** {@code <name>-redis}: the Redis pod, for the API pods and as the StatefulSet's governing Service. */
public class RedisService extends CRUDKubernetesDependentResource<Service, CachedApi> {

    public RedisService() {
        super(Service.class);
    }

    @Override
    protected Service desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static Service build(CachedApi api) {
        return new ServiceBuilder()
                .withMetadata(Metadata.of(api, Names.redis(api), Labels.REDIS))
                .withNewSpec()
                .withSelector(Labels.selector(api, Labels.REDIS))
                .addNewPort().withName("redis").withPort(RedisStatefulSet.PORT).withNewTargetPort("redis").endPort()
                .endSpec()
                .build();
    }
}
