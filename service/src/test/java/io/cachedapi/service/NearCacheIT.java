package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.service.ServiceInstance.Response;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The near cache on two instances sharing real Redis and Postgres: hot entries are answered from the
 * instance's copy, and a copy is never served to a request that follows a change, wherever it was made.
 */
class NearCacheIT {

    private static final Duration PUSH_DELIVERY = Duration.ofSeconds(2);

    private static TestStack stack;
    private static ServiceInstance a;
    private static ServiceInstance b;

    @BeforeAll
    static void start() {
        stack = TestStack.start(TestStack.PATIENT_REDIS_TIMEOUT);
        a = stack.startService("api-a");
        b = stack.startService("api-b");
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aHotEntryIsAnsweredFromTheInstancesCopy() {
        long id = createProduct(5);
        assertThat(a.get("/products/" + id).cache()).isEqualTo("MISS");

        FromCopy fromCopy = readFromCopy(a, id);

        assertThat(fromCopy.response().status()).isEqualTo(200);
        assertThat(fromCopy.response().cache()).isEqualTo("HIT");
        assertThat(fromCopy.response().json().get("source").asString()).isEqualTo("cache");
        assertThat(fromCopy.response().json().get("data").get("stock").asInt()).isEqualTo(5);
        assertThat(fromCopy.cacheHitsCounted()).as("still a cache hit").isEqualTo(1);
    }

    @Test
    void aWriteOnOneInstanceIsReadAtOnceOnTheOther() {
        long id = createProduct(1);
        b.get("/products/" + id);
        holdCopy(b, id);

        for (int stock = 2; stock <= 6; stock++) {
            assertThat(a.put("/products/" + id, productBody(stock)).status()).isEqualTo(200);
            Response read = b.get("/products/" + id);
            assertThat(read.json().get("data").get("stock").asInt()).as("read right after the write").isEqualTo(stock);
        }
    }

    @Test
    void aChangeMadeInRedisReachesTheCopies() throws IOException {
        long id = createProduct(3);
        a.get("/products/" + id);
        holdCopy(a, id);

        stack.redis().command("DEL", "product:" + id);
        await().atMost(PUSH_DELIVERY).until(() -> "MISS".equals(a.get("/products/" + id).cache()));

        holdCopy(a, id);
        stack.redis().command("FLUSHALL");
        await().atMost(PUSH_DELIVERY).until(() -> "MISS".equals(a.get("/products/" + id).cache()));
    }

    /** Reads until {@code instance} answers the product from its copy (the copy is fetched in the background). */
    private static void holdCopy(ServiceInstance instance, long id) {
        readFromCopy(instance, id);
    }

    /**
     * The first answer {@code instance} gives from its copy. A copy is served only while the near cache's
     * lease is fresh, which a loaded machine may let lapse between two requests: hence a loop, not one read.
     */
    private static FromCopy readFromCopy(ServiceInstance instance, long id) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> {
            double copies = instance.counter("cache.near.hits");
            double hits = instance.counter("cache.hits", "cache_type", "product");
            Response response = instance.get("/products/" + id);
            if (instance.counter("cache.near.hits") == copies) {
                return null;
            }
            return new FromCopy(response, instance.counter("cache.hits", "cache_type", "product") - hits);
        }, Objects::nonNull);
    }

    /** An answer from an instance's copy, and how many cache hits it counted. */
    private record FromCopy(Response response, double cacheHitsCounted) {
    }

    private static long createProduct(int stock) {
        Response created = a.post("/products", productBody(stock));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("data").get("id").asLong();
    }

    private static String productBody(int stock) {
        return "{\"name\":\"near\",\"price\":2.00,\"stock\":" + stock + "}";
    }
}
