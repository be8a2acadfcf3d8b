package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code app.kubernetes.io/*} labels on every child, and the role label the operator sets on pg pods. */
public final class Labels {

    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    /** The value of {@link #MANAGED_BY} on everything the operator makes: its informers select on it. */
    public static final String OPERATOR = "cachedapi-operator";

    /** Set on each pg pod from what the pod answers to {@code pg_is_in_recovery()}, never from its ordinal. */
    public static final String ROLE = "cachedapi.io/role";
    public static final String PRIMARY = "primary";
    public static final String REPLICA = "replica";

    public static final String POSTGRES = "postgres";
    public static final String REDIS = "redis";
    public static final String API = "api";
    public static final String CONFIG = "config";

    private Labels() {
    }

    /** All labels of a child of {@code api} that belongs to {@code component}. */
    public static Map<String, String> of(CachedApi api, String component) {
        var labels = new LinkedHashMap<String, String>(selector(api, component));
        labels.put(PART_OF, "cachedapi");
        labels.put(MANAGED_BY, OPERATOR);
        return labels;
    }

    /** The stable subset that selects a component's pods. */
    public static Map<String, String> selector(CachedApi api, String component) {
        var labels = new LinkedHashMap<String, String>();
        labels.put(NAME, "cachedapi");
        labels.put(INSTANCE, api.getMetadata().getName());
        labels.put(COMPONENT, component);
        return labels;
    }

    /** The pg pods PostgreSQL reports in {@code role}. */
    public static Map<String, String> pgRole(CachedApi api, String role) {
        var labels = new LinkedHashMap<String, String>(selector(api, POSTGRES));
        labels.put(ROLE, role);
        return labels;
    }
}
