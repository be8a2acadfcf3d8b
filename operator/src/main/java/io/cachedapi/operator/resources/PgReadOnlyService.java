package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** See {@link PgServices#readOnly}. */
public class PgReadOnlyService extends CRUDKubernetesDependentResource<Service, CachedApi> {

    public PgReadOnlyService() {
        super(Service.class);
    }

    @Override
    protected Service desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static Service build(CachedApi api) {
        return PgServices.readOnly(api);
    }
}
