package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.Map;

/** The three Services of the pg pods: headless (stable pod DNS), rw (the primary), ro (the replicas). */
final class PgServices {

    private PgServices() {
    }

    /** {@code <name>-pg}: headless, so that each pod has a DNS name replicas can clone and stream from. */
    static Service headless(CachedApi api) {
        return service(api, Names.pg(api), Labels.selector(api, Labels.POSTGRES), true);
    }

    /** {@code <name>-pg-rw}: whichever pod PostgreSQL reports as the primary. */
    static Service readWrite(CachedApi api) {
        return service(api, Names.pgReadWrite(api), Labels.pgRole(api, Labels.PRIMARY), false);
    }

    /** {@code <name>-pg-ro}: the pods PostgreSQL reports in recovery. */
    static Service readOnly(CachedApi api) {
        return service(api, Names.pgReadOnly(api), Labels.pgRole(api, Labels.REPLICA), false);
    }

    private static Service service(CachedApi api, String name, Map<String, String> selector, boolean headless) {
        var spec = new ServiceBuilder()
                .withMetadata(Metadata.of(api, name, Labels.POSTGRES))
                .withNewSpec()
                .withSelector(selector)
                .withPublishNotReadyAddresses(headless)   // a new replica must reach the primary while it boots
                .addNewPort().withName("postgres").withPort(PgStatefulSet.PORT)
                .withNewTargetPort("postgres").endPort();
        if (headless) {
            spec.withClusterIP("None");
        }
        return spec.endSpec().build();
    }
}
