package io.cachedapi.service.cache;

/** The {@code cache_type} label of the cache metrics; the names are the seed's, so its PromQL still works. */
public enum CacheType {
    USERS_LIST("users_list"), USER("user"), PRODUCT("product");

    private final String label;

    CacheType(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
