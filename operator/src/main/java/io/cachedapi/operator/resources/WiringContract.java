package io.cachedapi.operator.resources;

import java.util.List;

/**
 * The environment of API pods (DESIGN.md, "Wiring contract"). Any image that reads these can be
 * {@code spec.api.image}; the reference service reads them in its application.yaml, and a test checks
 * that both sides name exactly the same variables.
 */
public final class WiringContract {

    public static final String DB_WRITE_URL = "CACHEDAPI_DB_WRITE_URL";
    public static final String DB_READ_URL = "CACHEDAPI_DB_READ_URL";
    public static final String DB_USERNAME = "CACHEDAPI_DB_USERNAME";
    public static final String DB_PASSWORD = "CACHEDAPI_DB_PASSWORD";
    public static final String REDIS_HOST = "CACHEDAPI_REDIS_HOST";
    public static final String REDIS_PORT = "CACHEDAPI_REDIS_PORT";
    public static final String REDIS_PASSWORD = "CACHEDAPI_REDIS_PASSWORD";
    public static final String CACHE_TTL = "CACHEDAPI_CACHE_TTL";
    public static final String CACHE_TIMEOUT = "CACHEDAPI_CACHE_TIMEOUT";
    public static final String INSTANCE = "CACHEDAPI_INSTANCE";

    public static final List<String> NAMES = List.of(DB_WRITE_URL, DB_READ_URL, DB_USERNAME, DB_PASSWORD,
            REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, CACHE_TTL, CACHE_TIMEOUT, INSTANCE);

    private WiringContract() {
    }
}
