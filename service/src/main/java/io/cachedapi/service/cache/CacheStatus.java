package io.cachedapi.service.cache;

/** The {@code X-Cache} header of a cached read. */
public enum CacheStatus {
    /** Served from Redis. */
    HIT,
    /** Not in Redis: loaded from the database and stored. */
    MISS,
    /** Redis was skipped (down, hung, or invalidations still to replay): loaded from the database, not stored. */
    BYPASS
}
