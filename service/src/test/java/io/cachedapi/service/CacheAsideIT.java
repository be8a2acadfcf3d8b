package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.service.ServiceInstance.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Cache-aside on real Postgres (primary + streaming replica) and Redis, through the HTTP API. */
class CacheAsideIT {

    private static TestStack stack;
    private static ServiceInstance api;

    @BeforeAll
    static void start() {
        stack = TestStack.start(TestStack.PATIENT_REDIS_TIMEOUT);
        api = stack.startService("api-0");
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aProductIsLoadedOnceThenServedFromTheCache() {
        long id = createProduct("lamp", "12.50", 3);
        double missesBefore = api.counter("cache.misses", "cache_type", "product");
        double hitsBefore = api.counter("cache.hits", "cache_type", "product");

        Response first = api.get("/products/" + id);
        Response second = api.get("/products/" + id);

        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.cache()).isEqualTo("MISS");
        assertThat(first.json().get("cached").asBoolean()).isFalse();
        assertThat(first.json().get("source").asString()).isIn("replica", "primary");
        assertThat(first.json().get("instance").asString()).isEqualTo("api-0");
        JsonNode data = first.json().get("data");
        assertThat(data.get("id").asLong()).isEqualTo(id);
        assertThat(data.get("name").asString()).isEqualTo("lamp");
        assertThat(data.get("price").decimalValue()).isEqualByComparingTo("12.50");
        assertThat(data.get("stock").asInt()).isEqualTo(3);
        assertThat(data.has("created_at")).isTrue();
        assertThat(data.has("updated_at")).isTrue();

        assertThat(second.status()).isEqualTo(200);
        assertThat(second.cache()).isEqualTo("HIT");
        assertThat(second.json().get("cached").asBoolean()).isTrue();
        assertThat(second.json().get("source").asString()).isEqualTo("cache");
        assertThat(second.json().get("data")).isEqualTo(data);
        assertThat(api.counter("cache.misses", "cache_type", "product")).isEqualTo(missesBefore + 1);
        assertThat(api.counter("cache.hits", "cache_type", "product")).isEqualTo(hitsBefore + 1);
    }

    @Test
    void cacheControlNoCacheReadsTheDatabaseAndStoresNothing() {
        long id = createProduct("stool", "9.00", 4);
        var noCache = java.net.http.HttpRequest.newBuilder(api.uri("/products/" + id)).header("Cache-Control", "no-cache");

        Response bypassed = api.send(noCache.GET());
        assertThat(bypassed.status()).isEqualTo(200);
        assertThat(bypassed.cache()).isEqualTo("BYPASS");
        assertThat(bypassed.json().get("cached").asBoolean()).isFalse();
        assertThat(bypassed.json().get("source").asString()).isIn("replica", "primary");
        assertThat(api.get("/products/" + id).cache()).as("nothing was stored").isEqualTo("MISS");
        assertThat(api.send(noCache.GET()).cache()).as("even once cached").isEqualTo("BYPASS");
    }

    @Test
    void pingAnswersWithTheInstance() {
        Response ping = api.get("/ping");
        assertThat(ping.status()).isEqualTo(200);
        assertThat(ping.json().get("instance").asString()).isEqualTo("api-0");
    }

    @Test
    void updatingOrDeletingAProductInvalidatesIt() {
        long id = createProduct("chair", "40.00", 10);
        api.get("/products/" + id);
        assertThat(api.get("/products/" + id).cache()).isEqualTo("HIT");

        Response updated = api.put("/products/" + id,
                "{\"name\":\"chair\",\"description\":\"oak\",\"price\":35.5,\"stock\":9}");
        assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
        assertThat(updated.json().get("data").get("price").decimalValue()).isEqualByComparingTo("35.50");

        Response afterUpdate = api.get("/products/" + id);
        assertThat(afterUpdate.cache()).isEqualTo("MISS");
        assertThat(afterUpdate.json().get("data").get("price").decimalValue()).isEqualByComparingTo("35.50");
        assertThat(afterUpdate.json().get("data").get("description").asString()).isEqualTo("oak");
        assertThat(api.get("/products/" + id).cache()).isEqualTo("HIT");

        assertThat(api.delete("/products/" + id).status()).isEqualTo(200);
        Response afterDelete = api.get("/products/" + id);
        assertThat(afterDelete.status()).isEqualTo(404);
        assertThat(afterDelete.contentType()).startsWith("application/problem+json");
        assertThat(api.delete("/products/" + id).status()).isEqualTo(404);
    }

    @Test
    void userPagesAreCachedAndInvalidatedByCreateAndDelete() {
        long ada = createUser("Ada", "ada@example.com");
        Response first = api.get("/users?limit=1000");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.cache()).isEqualTo("MISS");
        assertThat(first.json().get("count").asInt()).isEqualTo(first.json().get("data").size());
        assertThat(api.get("/users?limit=1000").cache()).isEqualTo("HIT");
        assertThat(api.get("/users?limit=1&offset=0").cache()).as("another page, another key").isEqualTo("MISS");

        long grace = createUser("Grace", "grace@example.com");
        Response afterCreate = api.get("/users?limit=1000");
        assertThat(afterCreate.cache()).isEqualTo("MISS");
        assertThat(afterCreate.json().get("data").valueStream().map(user -> user.get("id").asLong()))
                .contains(ada, grace);
        assertThat(api.get("/users?limit=1&offset=0").cache()).as("every page was invalidated").isEqualTo("MISS");

        assertThat(api.get("/users/" + grace).cache()).isEqualTo("MISS");
        assertThat(api.get("/users/" + grace).cache()).isEqualTo("HIT");
        assertThat(api.delete("/users/" + grace).status()).isEqualTo(200);
        assertThat(api.get("/users/" + grace).status()).isEqualTo(404);
        Response afterDelete = api.get("/users?limit=1000");
        assertThat(afterDelete.cache()).isEqualTo("MISS");
        assertThat(afterDelete.json().get("data").valueStream().map(user -> user.get("id").asLong()))
                .contains(ada).doesNotContain(grace);
    }

    @Test
    void aDuplicateEmailIsAConflictWhateverItsCase() {
        createUser("Linus", "linus@example.com");
        Response duplicate = api.post("/users", "{\"name\":\"Other\",\"email\":\"LINUS@example.com\"}");
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.contentType()).startsWith("application/problem+json");
        assertThat(duplicate.json().get("detail").asString()).contains("LINUS@example.com");
    }

    @Test
    void metricsUseTheSeedsNamesAndHealthAndOpenApiAreServed() {
        createProduct("desk", "99.00", 1);
        String metrics = api.get("/actuator/prometheus").body();
        assertThat(metrics)
                .contains("cache_hits_total{cache_type=\"product\"")
                .contains("cache_misses_total{cache_type=\"users_list\"")
                .contains("cache_bypasses_total{cache_type=\"user\"")
                .contains("cache_errors_total")
                .contains("cachedapi_db_reads_total")
                .contains("resilience4j_circuitbreaker_state{")
                .contains("http_server_requests_seconds_bucket")
                .contains("hikaricp_connections_active{")
                .contains("pool=\"write\"").contains("pool=\"read\"");

        assertThat(api.get("/actuator/health/liveness").json().get("status").asString()).isEqualTo("UP");
        assertThat(api.get("/actuator/health/readiness").json().get("status").asString()).isEqualTo("UP");

        Response openApi = api.get("/v3/api-docs");
        assertThat(openApi.status()).isEqualTo(200);
        assertThat(openApi.json().get("paths").propertyNames()).contains("/users", "/users/{id}", "/products/{id}");
    }

    private static long createProduct(String name, String price, int stock) {
        Response created = api.post("/products",
                "{\"name\":\"" + name + "\",\"price\":" + price + ",\"stock\":" + stock + "}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("data").get("id").asLong();
    }

    private static long createUser(String name, String email) {
        Response created = api.post("/users", "{\"name\":\"" + name + "\",\"email\":\"" + email + "\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("data").get("id").asLong();
    }
}
