package io.cachedapi.operator.crd;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A cached, read-scaled API: a PostgreSQL primary with streaming replicas, Redis, and API pods whose
 * write pool points at the primary and read pool at the replicas.
 */
@Group(CachedApi.GROUP)
@Version(CachedApi.VERSION)
@ShortNames("capi")
@Categories("cachedapi")
// kubectl get shows these columns in this order (CrdFile keeps it; the generator sorts by JSON path).
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Primary", jsonPath = ".status.primary", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Replication", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"ReplicationHealthy\")].status")
@AdditionalPrinterColumn(name = "API", jsonPath = ".status.api.ready", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@SchemaSwap(originalType = CachedApiStatus.class, fieldName = "conditions", targetType = ConditionSchema[].class)
@JsonClassDescription("A cached, read-scaled API: a PostgreSQL primary with streaming replicas, Redis, and API"
        + " pods whose write pool points at the primary and read pool at the replicas.")
public class CachedApi extends CustomResource<CachedApiSpec, CachedApiStatus> implements Namespaced {

    public static final String GROUP = "cachedapi.io";
    public static final String VERSION = "v1alpha1";

    @Override
    protected CachedApiSpec initSpec() {
        return new CachedApiSpec();
    }

    @Override
    protected CachedApiStatus initStatus() {
        return new CachedApiStatus();
    }
}
