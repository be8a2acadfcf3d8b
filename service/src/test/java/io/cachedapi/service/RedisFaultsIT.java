package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.service.ServiceInstance.Response;
import io.cachedapi.service.cache.CacheStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis stopped or hung mid-run: every request still answers 200, Redis is skipped (bypasses counted),
 * and the cache comes back by itself when Redis does, without serving what a write during the outage
 * replaced.
 */
class RedisFaultsIT {

    /** The seed paid a 1 s timeout per request while Redis was down; ours must stay far below. */
    private static final Duration FAR_BELOW_THE_SEEDS_TIMEOUT = Duration.ofMillis(500);
    private static final Duration RECOVERY = Duration.ofSeconds(20);

    private static TestStack stack;
    private static ServiceInstance api;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        api = stack.startService("api-0");
    }

    @AfterEach
    void redisIsBack() {
        stack.redis().resume();
        stack.redis().start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void withRedisStoppedEveryRequestSucceedsAndHitsResumeWhenItReturns() throws Exception {
        long id = createProduct("kettle", "20.00");
        api.get("/products/" + id);
        assertThat(api.get("/products/" + id).cache()).isEqualTo("HIT");
        double bypassesBefore = api.counter("cache.bypasses", "cache_type", "product");

        stack.redis().stop();
        List<Response> during = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            during.add(api.get("/products/" + id));
        }
        // A write while Redis is down: its invalidation must not be lost.
        Response updated = api.put("/products/" + id, "{\"name\":\"kettle\",\"price\":25.00,\"stock\":1}");
        Response afterWrite = api.get("/products/" + id);
        during.add(afterWrite);
        during.add(api.get("/users"));

        assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
        assertThat(during).allSatisfy(response -> assertThat(response.status()).as(response.toString()).isEqualTo(200));
        assertCopiesOnlyUntilTheFirstBypass(during);
        assertThat(afterWrite.cache()).isEqualTo("BYPASS");
        assertThat(afterWrite.json().get("data").get("price").decimalValue()).isEqualByComparingTo("25.00");
        assertThat(api.counter("cache.bypasses", "cache_type", "product")).isGreaterThan(bypassesBefore);
        assertThat(api.get("/actuator/health/readiness").json().get("status").asString()).isEqualTo("UP");

        // Redis comes back with its append-only file, the old price still cached in it.
        stack.redis().start();
        assertThat(stack.redis().command("GET", "product:" + id)).contains("\"price\":20.00");
        await().atMost(RECOVERY).until(() -> !api.get("/products/" + id).cache().equals("BYPASS"));
        Response afterRecovery = api.get("/products/" + id);
        assertThat(afterRecovery.cache()).isEqualTo("HIT");
        assertThat(afterRecovery.json().get("data").get("price").decimalValue())
                .as("the write made during the outage").isEqualByComparingTo("25.00");
    }

    @Test
    void withRedisHungRequestsSkipItWithBoundedLatencyAndHitsResume() {
        long id = createProduct("teapot", "15.00");
        api.get("/products/" + id);
        assertThat(api.get("/products/" + id).cache()).isEqualTo("HIT");

        stack.redis().hang();
        List<Response> during = new ArrayList<>();
        List<Duration> latencies = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long start = System.nanoTime();
            during.add(api.get("/products/" + id));
            latencies.add(Duration.ofNanos(System.nanoTime() - start));
        }

        assertThat(during).allSatisfy(response -> assertThat(response.status()).isEqualTo(200));
        assertCopiesOnlyUntilTheFirstBypass(during);
        assertThat(during.getLast().cache()).isEqualTo("BYPASS");
        assertThat(latencies).allSatisfy(latency -> assertThat(latency).isLessThan(FAR_BELOW_THE_SEEDS_TIMEOUT));
        assertThat(api.counter("cache.errors")).as("timeouts were counted").isPositive();
        assertThat(api.bean(CacheStore.class).trusted())
                .as("the breaker opened: later requests bypass the cache without asking Redis").isFalse();

        stack.redis().resume();
        await().atMost(RECOVERY).until(() -> api.get("/products/" + id).cache().equals("HIT"));
    }

    /**
     * The instance's near-cache copy may answer for the few milliseconds its lease has left when Redis
     * goes away (nothing can have changed meanwhile: writes wait the lease out); after that, and for the
     * rest of the outage, every request bypasses the cache.
     */
    private static void assertCopiesOnlyUntilTheFirstBypass(List<Response> responses) {
        int firstBypass = responses.stream().map(Response::cache).toList().indexOf("BYPASS");
        assertThat(firstBypass).as("some request bypassed the cache").isNotNegative();
        assertThat(responses.subList(0, firstBypass)).allSatisfy(response -> assertThat(response.cache()).isEqualTo("HIT"));
        assertThat(responses.subList(firstBypass, responses.size()))
                .allSatisfy(response -> assertThat(response.cache()).isEqualTo("BYPASS"));
    }

    private static long createProduct(String name, String price) {
        Response created = api.post("/products", "{\"name\":\"" + name + "\",\"price\":" + price + ",\"stock\":1}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("data").get("id").asLong();
    }
}
