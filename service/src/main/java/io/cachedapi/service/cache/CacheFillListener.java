package io.cachedapi.service.cache;

/**
 * Told when a loaded value is about to be stored, after the database read. Tests use it to hold a
 * reader in the window where an invalidation race would poison the cache; nothing else needs it.
 */
@FunctionalInterface
public interface CacheFillListener {

    CacheFillListener NONE = key -> { };

    void beforeFill(CacheKey key);
}
