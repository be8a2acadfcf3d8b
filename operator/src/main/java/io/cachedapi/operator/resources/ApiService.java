package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** {@code <name>-api}: port 80 in front of the API pods. */
public class ApiService extends CRUDKubernetesDependentResource<Service, CachedApi> {

    public static final int PORT = 80;

    public ApiService() {
        super(Service.class);
    }

    @Override
    protected Service desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static Service build(CachedApi api) {
        return new ServiceBuilder()
                .withMetadata(Metadata.of(api, Names.api(api), Labels.API))
                .withNewSpec()
                .withSelector(Labels.selector(api, Labels.API))
                .addNewPort().withName("http").withPort(PORT).withNewTargetPort("http").endPort()
                .endSpec()
                .build();
    }
}
