package io.cachedapi.service.cache;

/**
 * A cached entry's key and the group it is invalidated with. A write invalidates groups: every key
 * filled in the group is deleted, and the group's generation moves on so that a read which began
 * before the write can no longer store what it loaded.
 *
 * @param type  the {@code cache_type} of the metrics
 * @param key   the Redis key of the entry
 * @param group the invalidation group ({@code <group>:gen} its generation, {@code <group>:keys} its keys)
 */
public record CacheKey(CacheType type, String key, String group) {

    public static CacheKey product(long id) {
        return new CacheKey(CacheType.PRODUCT, "product:" + id, productGroup(id));
    }

    public static CacheKey user(long id) {
        return new CacheKey(CacheType.USER, "users:" + id, userGroup(id));
    }

    public static CacheKey usersPage(int limit, long offset) {
        return new CacheKey(CacheType.USERS_LIST, "users:page:" + limit + ":" + offset, USERS_PAGES);
    }

    public static final String USERS_PAGES = "users:pages";

    public static String productGroup(long id) {
        return "product:" + id;
    }

    public static String userGroup(long id) {
        return "users:" + id;
    }

    String generationKey() {
        return generationKey(group);
    }

    String indexKey() {
        return indexKey(group);
    }

    static String generationKey(String group) {
        return group + ":gen";
    }

    static String indexKey(String group) {
        return group + ":keys";
    }
}
