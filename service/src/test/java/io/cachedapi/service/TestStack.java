package io.cachedapi.service;

import io.cachedapi.operator.postgres.BootstrapScripts;
import io.cachedapi.testkit.Directories;
import io.cachedapi.testkit.PostgresCluster;
import io.cachedapi.testkit.PostgresInstance;
import io.cachedapi.testkit.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Real servers for the service tests: a Postgres primary with one streaming replica (bootstrapped by
 * the operator's scripts) and Redis, on loopback; service instances wired to them through the same
 * CACHEDAPI_* contract the operator writes. Closing stops and removes everything.
 */
final class TestStack implements AutoCloseable {

    /** The Redis command timeout of the service's configuration and of the operator's default. */
    static final Duration REDIS_TIMEOUT = Duration.ofMillis(50);

    /**
     * For tests that count cache hits, misses and coalesced loads one by one. On a machine busy with
     * other work (a CI runner) Redis may answer a burst later than {@link #REDIS_TIMEOUT}; the service
     * then rightly bypasses the cache, which changes the count without anything being wrong.
     */
    static final Duration PATIENT_REDIS_TIMEOUT = Duration.ofSeconds(2);

    private final Path scripts;
    private final PostgresCluster postgres;
    private final RedisServer redis;
    private final Duration redisTimeout;
    private final List<ServiceInstance> instances = new ArrayList<>();
    /** -rw and -ro, when the services reach PostgreSQL through them; else null (straight to the servers). */
    private ServiceAddress rw;
    private ServiceAddress ro;

    private TestStack(Path scripts, PostgresCluster postgres, RedisServer redis, Duration redisTimeout) {
        this.scripts = scripts;
        this.postgres = postgres;
        this.redis = redis;
        this.redisTimeout = redisTimeout;
    }

    static TestStack start() {
        return start(REDIS_TIMEOUT);
    }

    /** @param redisTimeout the Redis command timeout of the service instances it starts */
    static TestStack start(Duration redisTimeout) {
        return start(redisTimeout, 1);
    }

    /**
     * A stack with {@code replicas} replicas whose services reach PostgreSQL through {@link #rw()} (routed to
     * the primary) and {@link #ro()} (to the first replica), which a test routes elsewhere as the operator's
     * labels would.
     */
    static TestStack startBehindServiceAddresses(Duration redisTimeout, int replicas) {
        TestStack stack = start(redisTimeout, replicas);
        stack.rw = ServiceAddress.start("rw", stack.primary());
        stack.ro = ServiceAddress.start("ro", stack.replica());
        return stack;
    }

    private static TestStack start(Duration redisTimeout, int replicas) {
        Path scripts;
        try {
            scripts = BootstrapScripts.writeTo(Files.createTempDirectory("cachedapi-scripts-")).getParent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PostgresCluster postgres = PostgresCluster.builder(scripts).name("shop-pg").replicas(replicas).start();
        try {
            return new TestStack(scripts, postgres, RedisServer.builder().start(), redisTimeout);
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }
    }

    PostgresInstance primary() {
        return postgres.primary();
    }

    PostgresInstance replica() {
        return postgres.replicas().getFirst();
    }

    List<PostgresInstance> replicas() {
        return postgres.replicas();
    }

    ServiceAddress rw() {
        return rw;
    }

    ServiceAddress ro() {
        return ro;
    }

    /** A superuser connection to the application database on {@code instance}. */
    Connection connectToAppDatabase(PostgresInstance instance) throws SQLException {
        var credentials = postgres.credentials();
        return instance.connect(credentials.superuser(), credentials.superuserPassword(), postgres.database());
    }

    RedisServer redis() {
        return redis;
    }

    /** A service instance on a free port; {@code beans} are registered in its context before it starts. */
    ServiceInstance startService(String name, Object... beans) {
        var credentials = postgres.credentials();
        Map<String, Object> contract = new HashMap<>();
        contract.put("CACHEDAPI_INSTANCE", name);
        String database = postgres.database();
        contract.put("CACHEDAPI_DB_WRITE_URL", rw != null ? rw.jdbcUrl(database) : primary().jdbcUrl(database));
        contract.put("CACHEDAPI_DB_READ_URL", ro != null ? ro.jdbcUrl(database) : replica().jdbcUrl(database));
        contract.put("CACHEDAPI_DB_USERNAME", credentials.appUser());
        contract.put("CACHEDAPI_DB_PASSWORD", credentials.appPassword());
        contract.put("CACHEDAPI_REDIS_HOST", redis.host());
        contract.put("CACHEDAPI_REDIS_PORT", redis.port());
        contract.put("CACHEDAPI_REDIS_PASSWORD", redis.password());
        contract.put("CACHEDAPI_CACHE_TTL", "60s");
        contract.put("CACHEDAPI_CACHE_TIMEOUT", redisTimeout.toMillis() + "ms");
        var instance = ServiceInstance.start(contract, beans);
        instances.add(instance);
        return instance;
    }

    @Override
    public void close() {
        instances.forEach(ServiceInstance::close);
        if (rw != null) {
            rw.close();
            ro.close();
        }
        redis.close();
        postgres.close();
        Directories.deleteRecursively(scripts);
    }
}
