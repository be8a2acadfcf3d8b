package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;

/** The names of everything a CachedApi owns (DESIGN.md, "What the operator creates"). */
public final class Names {

    private Names() {
    }

    public static String pgCredentials(CachedApi api) {
        return api.getMetadata().getName() + "-pg-credentials";
    }

    public static String redisCredentials(CachedApi api) {
        return api.getMetadata().getName() + "-redis-credentials";
    }

    public static String pgConfig(CachedApi api) {
        return api.getMetadata().getName() + "-pg-config";
    }

    public static String topology(CachedApi api) {
        return api.getMetadata().getName() + "-topology";
    }

    /** The pg StatefulSet and its headless Service. */
    public static String pg(CachedApi api) {
        return api.getMetadata().getName() + "-pg";
    }

    public static String pgPod(CachedApi api, int ordinal) {
        return pg(api) + "-" + ordinal;
    }

    /** The primary's disruption budget. */
    public static String pgPrimary(CachedApi api) {
        return pg(api) + "-primary";
    }

    public static String pgReadWrite(CachedApi api) {
        return pg(api) + "-rw";
    }

    public static String pgReadOnly(CachedApi api) {
        return pg(api) + "-ro";
    }

    public static String redis(CachedApi api) {
        return api.getMetadata().getName() + "-redis";
    }

    public static String api(CachedApi api) {
        return api.getMetadata().getName() + "-api";
    }
}
