package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.postgres.BootstrapScripts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code <name>-pg-config}: the bootstrap scripts (the very files the tests run) and the
 * postgresql.conf additions from {@code spec.postgres.parameters}.
 */
public class PgConfigMap extends CRUDKubernetesDependentResource<ConfigMap, CachedApi> {

    /** The file of spec.postgres.parameters, included last by start.sh (PG_EXTRA_CONF). */
    public static final String EXTRA_CONF = "extra.conf";

    public PgConfigMap() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static ConfigMap build(CachedApi api) {
        return new ConfigMapBuilder()
                .withMetadata(Metadata.of(api, Names.pgConfig(api), Labels.POSTGRES))
                .addToData(BootstrapScripts.contents())
                .addToData(EXTRA_CONF, extraConf(api.getSpec().getPostgres().getParameters()))
                .build();
    }

    /** One {@code name = 'value'} line per parameter, sorted, backslashes and quotes escaped as postgresql.conf wants. */
    static String extraConf(Map<String, String> parameters) {
        var out = new StringBuilder("# spec.postgres.parameters, written by the CachedApi operator\n");
        new TreeMap<>(parameters).forEach((name, value) ->
                out.append(name).append(" = '").append(value.replace("\\", "\\\\").replace("'", "''")).append("'\n"));
        return out.toString();
    }
}
