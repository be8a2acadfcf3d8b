package io.cachedapi.operator.crd;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the user asks for. Every field has a default, so {@code spec: {}} is a complete stack. */
@JsonClassDescription("What the user asks for: the API pods, PostgreSQL, Redis and the cache. Every field has"
        + " a default, so spec: {} is a complete stack.")
public class CachedApiSpec {

    @JsonPropertyDescription("The API pods: image, count and resources.")
    @Default("{}")
    private Api api = new Api();

    @JsonPropertyDescription("The PostgreSQL primary and its streaming replicas.")
    @Default("{}")
    private Postgres postgres = new Postgres();

    @JsonPropertyDescription("The Redis cache.")
    @Default("{}")
    private Redis redis = new Redis();

    @JsonPropertyDescription("How the API pods use the cache.")
    @Default("{}")
    private Cache cache = new Cache();

    public Api getApi() {
        return api;
    }

    public void setApi(Api api) {
        this.api = api == null ? new Api() : api;
    }

    public Postgres getPostgres() {
        return postgres;
    }

    public void setPostgres(Postgres postgres) {
        this.postgres = postgres == null ? new Postgres() : postgres;
    }

    public Redis getRedis() {
        return redis;
    }

    public void setRedis(Redis redis) {
        this.redis = redis == null ? new Redis() : redis;
    }

    public Cache getCache() {
        return cache;
    }

    public void setCache(Cache cache) {
        this.cache = cache == null ? new Cache() : cache;
    }

    public static class Api extends Placement {
        public static final String DEFAULT_IMAGE = "ghcr.io/cachedapi/cachedapi-service:0.1.0";

        @JsonPropertyDescription("Container image of the API; any image honouring the CACHEDAPI_* wiring contract works.")
        @Default(DEFAULT_IMAGE)
        private String image = DEFAULT_IMAGE;

        @JsonPropertyDescription("Number of API pods (the scale subresource: kubectl scale cachedapi/NAME --replicas=N).")
        @SpecReplicas
        @Min(0)
        @Max(100)
        @Default("2")
        private Integer replicas = 2;


        public String getImage() {
            return image;
        }

        public void setImage(String image) {
            this.image = image;
        }

        public Integer getReplicas() {
            return replicas;
        }

        public void setReplicas(Integer replicas) {
            this.replicas = replicas;
        }
    }

    public static class Postgres extends Placement {
        public static final String DEFAULT_IMAGE = "postgres:16";
        public static final String DEFAULT_FAILOVER_DELAY = "2s";

        @JsonPropertyDescription("Container image of PostgreSQL (an official postgres image, version 13 or later).")
        @Default(DEFAULT_IMAGE)
        private String image = DEFAULT_IMAGE;

        @JsonPropertyDescription("Number of streaming replicas besides the primary (0 allowed).")
        @Min(0)
        @Max(5)
        @Default("1")
        private Integer replicas = 1;

        @JsonPropertyDescription("Name of the application database, owned by the application role.")
        @Pattern("^[a-z_][a-z0-9_]{0,62}$")
        @Default("app")
        @ValidationRule(value = "self == oldSelf", message = "database cannot change: the data lives in the one"
                + " created first; create another CachedApi for another database")
        private String database = "app";

        @JsonPropertyDescription("Persistent volume of each PostgreSQL pod.")
        @Default("{}")
        private Storage storage = new Storage();

        @JsonPropertyDescription("Extra postgresql.conf settings, name to value (e.g. shared_buffers: 256MB).")
        private Map<String, String> parameters = new LinkedHashMap<>();

        @JsonPropertyDescription("How long the primary may stop answering before the most advanced replica is"
                + " promoted in its place (e.g. 2s). Shorter fails over sooner; longer rides out brief stalls.")
        @Pattern("^[0-9]+(ms|s|m)$")
        @Default(DEFAULT_FAILOVER_DELAY)
        private String failoverDelay = DEFAULT_FAILOVER_DELAY;

        @JsonPropertyDescription("Synchronous replication: a commit is acknowledged only once at least one replica"
                + " has it on disk (ANY 1), so a failover loses no acknowledged write. Costs a round trip to a"
                + " replica per commit, and writes wait while no replica answers. Ignored with 0 replicas.")
        @Default("false")
        private Boolean synchronous = false;

        public String getImage() {
            return image;
        }

        public void setImage(String image) {
            this.image = image;
        }

        public Integer getReplicas() {
            return replicas;
        }

        public void setReplicas(Integer replicas) {
            this.replicas = replicas;
        }

        public String getDatabase() {
            return database;
        }

        public void setDatabase(String database) {
            this.database = database;
        }

        public Storage getStorage() {
            return storage;
        }

        public void setStorage(Storage storage) {
            this.storage = storage == null ? new Storage() : storage;
        }

        public Map<String, String> getParameters() {
            return parameters;
        }

        public void setParameters(Map<String, String> parameters) {
            this.parameters = parameters == null ? new LinkedHashMap<>() : parameters;
        }

        public String getFailoverDelay() {
            return failoverDelay;
        }

        public void setFailoverDelay(String failoverDelay) {
            this.failoverDelay = failoverDelay;
        }

        public Boolean getSynchronous() {
            return synchronous;
        }

        public void setSynchronous(Boolean synchronous) {
            this.synchronous = synchronous;
        }

        /** {@link #getFailoverDelay()} as a duration. */
        public java.time.Duration failoverDelay() {
            return Durations.parse(failoverDelay);
        }
    }

    public static class Redis extends Placement {
        public static final String DEFAULT_IMAGE = "redis:7-alpine";

        @JsonPropertyDescription("Container image of Redis.")
        @Default(DEFAULT_IMAGE)
        private String image = DEFAULT_IMAGE;

        @JsonPropertyDescription("Redis maxmemory, in Redis units (e.g. 256mb, 1gb).")
        @Pattern("^[0-9]+(b|kb|mb|gb)?$")
        @Default("256mb")
        private String maxMemory = "256mb";

        @JsonPropertyDescription("What Redis evicts when maxMemory is reached.")
        @Default("allkeys-lru")
        private EvictionPolicy maxMemoryPolicy = EvictionPolicy.ALLKEYS_LRU;

        @JsonPropertyDescription("Whether Redis keeps an append-only file, so the cache survives a restart.")
        @Default("true")
        private Boolean appendOnly = true;

        @JsonPropertyDescription("Persistent volume of the Redis pod.")
        @Default("{}")
        private Storage storage = new Storage();

        public String getImage() {
            return image;
        }

        public void setImage(String image) {
            this.image = image;
        }

        public String getMaxMemory() {
            return maxMemory;
        }

        public void setMaxMemory(String maxMemory) {
            this.maxMemory = maxMemory;
        }

        /**
         * {@link #getMaxMemory()} in bytes, with Redis' units: kb, mb and gb are powers of 1024; 0 is no
         * limit, for Redis. Throws ArithmeticException or NumberFormatException for a size beyond a long.
         */
        public long maxMemoryBytes() {
            var units = java.util.regex.Pattern.compile("^([0-9]+)(b|kb|mb|gb)?$").matcher(maxMemory);
            if (!units.matches()) {
                throw new IllegalArgumentException("maxMemory " + maxMemory + " is not a Redis memory size");
            }
            long number = Long.parseLong(units.group(1));
            return switch (units.group(2) == null ? "b" : units.group(2)) {
                case "kb" -> Math.multiplyExact(number, 1L << 10);
                case "mb" -> Math.multiplyExact(number, 1L << 20);
                case "gb" -> Math.multiplyExact(number, 1L << 30);
                default -> number;
            };
        }

        public EvictionPolicy getMaxMemoryPolicy() {
            return maxMemoryPolicy;
        }

        public void setMaxMemoryPolicy(EvictionPolicy maxMemoryPolicy) {
            this.maxMemoryPolicy = maxMemoryPolicy;
        }

        public Boolean getAppendOnly() {
            return appendOnly;
        }

        public void setAppendOnly(Boolean appendOnly) {
            this.appendOnly = appendOnly;
        }

        public Storage getStorage() {
            return storage;
        }

        public void setStorage(Storage storage) {
            this.storage = storage == null ? new Storage() : storage;
        }
    }

    @ValidationRule(value = "has(self.storageClassName) == has(oldSelf.storageClassName)"
            + " && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",
            message = "storageClassName cannot change: existing volumes keep their class; create another"
                    + " CachedApi and move the data")
    public static class Storage {
        @JsonPropertyDescription("Size of the volume, as a Kubernetes quantity (e.g. 1Gi).")
        @Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$")
        @Default("1Gi")
        private String size = "1Gi";

        @JsonPropertyDescription("Storage class of the volume; the cluster's default when absent.")
        private String storageClassName;

        public String getSize() {
            return size;
        }

        public void setSize(String size) {
            this.size = size;
        }

        public String getStorageClassName() {
            return storageClassName;
        }

        public void setStorageClassName(String storageClassName) {
            this.storageClassName = storageClassName;
        }
    }

    @ValidationRule(value = "duration(self.timeout) < duration(self.ttl)",
            message = "cache.timeout must be shorter than cache.ttl")
    public static class Cache {
        @JsonPropertyDescription("How long a cached read lives, as a duration (e.g. 60s, 5m).")
        @Pattern("^[0-9]+(ms|s|m|h)$")
        @Default("60s")
        private String ttl = "60s";

        @JsonPropertyDescription("The longest a Redis command may take before the API reads without the cache (e.g. 50ms).")
        @Pattern("^[0-9]+(ms|s)$")
        @Default("50ms")
        private String timeout = "50ms";

        public String getTtl() {
            return ttl;
        }

        public void setTtl(String ttl) {
            this.ttl = ttl;
        }

        public String getTimeout() {
            return timeout;
        }

        public void setTimeout(String timeout) {
            this.timeout = timeout;
        }
    }
}
