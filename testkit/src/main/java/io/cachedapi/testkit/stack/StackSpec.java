package io.cachedapi.testkit.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The part of a CachedApi resource the local stack honours, read from a sample manifest. Fields the
 * sample leaves out take the resource's defaults; values the local stack cannot run are refused
 * with a message naming the field.
 */
public record StackSpec(String name, int apiReplicas, int postgresReplicas, String database,
                        String redisMaxMemory, String redisMaxMemoryPolicy, boolean redisAppendOnly,
                        String cacheTtl, String cacheTimeout) {

    private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,38}[a-z0-9])?");
    private static final Pattern DATABASE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Pattern REDIS_MEMORY = Pattern.compile("[0-9]+(b|kb|mb|gb)?", Pattern.CASE_INSENSITIVE);
    private static final List<String> REDIS_POLICIES = List.of("noeviction", "allkeys-lru", "allkeys-lfu",
            "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl");
    private static final Pattern DURATION = Pattern.compile("[0-9]+(ms|s|m|h)");
    private static final int MAX_LOCAL_REPLICAS = 5;

    public StackSpec {
        require(NAME.matcher(name).matches(), "metadata.name",
                "'" + name + "' is not a lowercase DNS label of at most 40 characters");
        require(apiReplicas >= 0 && apiReplicas <= MAX_LOCAL_REPLICAS, "spec.api.replicas",
                apiReplicas + " is outside 0.." + MAX_LOCAL_REPLICAS);
        require(postgresReplicas >= 0 && postgresReplicas <= MAX_LOCAL_REPLICAS, "spec.postgres.replicas",
                postgresReplicas + " is outside 0.." + MAX_LOCAL_REPLICAS);
        require(DATABASE.matcher(database).matches(), "spec.postgres.database",
                "'" + database + "' is not a lowercase SQL identifier");
        require(REDIS_MEMORY.matcher(redisMaxMemory).matches(), "spec.redis.maxMemory",
                "'" + redisMaxMemory + "' is not a Redis memory size such as 256mb");
        require(REDIS_POLICIES.contains(redisMaxMemoryPolicy), "spec.redis.maxMemoryPolicy",
                "'" + redisMaxMemoryPolicy + "' is not one of " + REDIS_POLICIES);
        require(DURATION.matcher(cacheTtl).matches(), "spec.cache.ttl",
                "'" + cacheTtl + "' is not a duration such as 60s");
        require(DURATION.matcher(cacheTimeout).matches(), "spec.cache.timeout",
                "'" + cacheTimeout + "' is not a duration such as 50ms");
    }

    public static StackSpec read(Path manifest) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(manifest.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + manifest + ": " + e.getMessage(), e);
        }
        if (root == null || !"CachedApi".equals(root.path("kind").asText())) {
            throw new IllegalArgumentException(manifest + " is not a CachedApi resource (kind: CachedApi)");
        }
        JsonNode spec = root.path("spec");
        JsonNode postgres = spec.path("postgres");
        JsonNode redis = spec.path("redis");
        JsonNode cache = spec.path("cache");
        return new StackSpec(
                root.path("metadata").path("name").asText(""),
                spec.path("api").path("replicas").asInt(2),
                postgres.path("replicas").asInt(1),
                postgres.path("database").asText("app"),
                redis.path("maxMemory").asText("256mb"),
                redis.path("maxMemoryPolicy").asText("allkeys-lru"),
                redis.path("appendOnly").asBoolean(true),
                cache.path("ttl").asText("60s"),
                cache.path("timeout").asText("50ms"));
    }

    /** Postgres instances are named like the StatefulSet's pods: {@code <name>-pg-0} is the primary. */
    public String postgresName() {
        return name + "-pg";
    }

    /** API instances are named like the Deployment's pods would be, with an ordinal: {@code <name>-api-0}. */
    public String apiName() {
        return name + "-api";
    }

    private static void require(boolean valid, String field, String problem) {
        if (!valid) {
            throw new IllegalArgumentException(field + ": " + problem);
        }
    }
}
