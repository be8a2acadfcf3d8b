package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.service.ServiceInstance.Response;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Read routing and consistency across two service instances sharing Redis, on a real primary and
 * streaming replica: replica down, replica replay paused (read-your-writes), the invalidation race,
 * and a stampede of misses.
 */
class ReadRoutingIT {

    private static final Duration RECOVERY = Duration.ofSeconds(30);

    private static TestStack stack;
    private static HoldingFillListener fills;
    private static ServiceInstance a;
    private static ServiceInstance b;
    private static final AtomicInteger freshPages = new AtomicInteger();

    @BeforeAll
    static void start() {
        stack = TestStack.start(TestStack.PATIENT_REDIS_TIMEOUT);
        fills = new HoldingFillListener();
        a = stack.startService("api-a", fills);
        b = stack.startService("api-b");
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void withTheReplicaStoppedReadsAreAnsweredByThePrimary() {
        long id = createProduct(a, "lamp", "10.00");
        // The replica answers once it has replayed that write (until then reads rightly go to the primary).
        await().atMost(RECOVERY).until(() -> "replica".equals(readFreshPage(a).json().get("source").asString()));

        stack.replica().stop();
        try {
            Response product = a.get("/products/" + id);
            assertThat(product.status()).as(product.toString()).isEqualTo(200);
            assertThat(product.json().get("source").asString()).isEqualTo("primary");
            for (int i = 0; i < 10; i++) {
                Response page = readFreshPage(a);
                assertThat(page.status()).as(page.toString()).isEqualTo(200);
                assertThat(page.json().get("source").asString()).isEqualTo("primary");
            }
            assertThat(a.get("/actuator/health/readiness").json().get("status").asString()).isEqualTo("UP");
        } finally {
            stack.replica().start();
        }
        await().atMost(RECOVERY).until(() -> "replica".equals(readFreshPage(a).json().get("source").asString()));
    }

    @Test
    void whileTheReplicaDoesNotReplayEveryWriteIsReadBackThroughTheOtherInstance() throws Exception {
        long existing = createProduct(a, "mug", "10.00");
        await().atMost(RECOVERY).until(() -> b.get("/products/" + existing).status() == 200);
        assertThat(b.get("/products/" + existing).cache()).isEqualTo("HIT");

        setReplayPaused(true);
        try {
            long created = createProduct(a, "bowl", "7.00");
            Response updated = a.put("/products/" + existing, "{\"name\":\"mug\",\"price\":30.00,\"stock\":1}");
            assertThat(updated.status()).isEqualTo(200);
            Response user = a.post("/users", "{\"name\":\"Edsger\",\"email\":\"edsger@example.com\"}");
            assertThat(user.status()).isEqualTo(201);
            long userId = user.json().get("data").get("id").asLong();
            assertThat(replicaHasProduct(created)).as("the replica really is behind").isFalse();

            Response newProduct = b.get("/products/" + created);
            assertThat(newProduct.status()).as(newProduct.toString()).isEqualTo(200);
            assertThat(newProduct.json().get("source").asString()).isEqualTo("primary");
            Response changedProduct = b.get("/products/" + existing);
            assertThat(changedProduct.json().get("data").get("price").decimalValue()).isEqualByComparingTo("30.00");
            Response users = b.get("/users?limit=1000");
            assertThat(users.json().get("data").valueStream().map(row -> row.get("id").asLong())).contains(userId);
            assertThat(b.get("/users/" + userId).status()).isEqualTo(200);
        } finally {
            setReplayPaused(false);
        }
        await().atMost(RECOVERY).until(() -> "replica".equals(readFreshPage(b).json().get("source").asString()));
    }

    @Test
    void aReadThatLoadedTheOldRowBeforeAWriteDoesNotStoreItAfterTheInvalidation() throws Exception {
        long id = createProduct(a, "clock", "10.00");
        HoldingFillListener.Hold hold = fills.arm("product:" + id);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Response> slowRead = executor.submit(() -> a.get("/products/" + id));
            hold.awaitReader();

            Response updated = b.put("/products/" + id, "{\"name\":\"clock\",\"price\":20.00,\"stock\":1}");
            assertThat(updated.status()).isEqualTo(200);
            hold.release();

            Response old = slowRead.get();
            assertThat(old.status()).isEqualTo(200);
            assertThat(old.json().get("data").get("price").decimalValue()).as("it began before the write")
                    .isEqualByComparingTo("10.00");
        } finally {
            hold.release();
        }
        assertThat(stack.redis().command("GET", "product:" + id)).as("nothing stored by the slow reader").isNull();
        for (ServiceInstance instance : List.of(a, b)) {
            Response current = instance.get("/products/" + id);
            assertThat(current.json().get("data").get("price").decimalValue()).as(current.toString())
                    .isEqualByComparingTo("20.00");
        }
    }

    @Test
    void concurrentMissesOnOneProductReadTheDatabaseOnce() throws Exception {
        long id = createProduct(a, "vase", "5.00");
        int concurrent = 100;
        double readsBefore = a.databaseReads();
        double coalescedBefore = a.counter("cache.loads.coalesced");
        HoldingFillListener.Hold hold = fills.arm("product:" + id);
        List<Future<Response>> responses = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < concurrent; i++) {
                responses.add(executor.submit(() -> a.get("/products/" + id)));
            }
            // The first reader holds its loaded row; every other one must be waiting for it.
            hold.awaitReader();
            await().atMost(RECOVERY).until(() -> a.counter("cache.loads.coalesced") - coalescedBefore == concurrent - 1);
            hold.release();
            for (Future<Response> response : responses) {
                assertThat(response.get().status()).isEqualTo(200);
                assertThat(response.get().json().get("data").get("id").asLong()).isEqualTo(id);
            }
        } finally {
            hold.release();
        }
        assertThat(a.databaseReads() - readsBefore).isEqualTo(1);
        assertThat(a.get("/products/" + id).cache()).isEqualTo("HIT");
    }

    /** A page no one has read yet: always a cache miss, so its source says where reads go. */
    private static Response readFreshPage(ServiceInstance instance) {
        return instance.get("/users?limit=7&offset=" + freshPages.incrementAndGet());
    }

    private static long createProduct(ServiceInstance instance, String name, String price) {
        Response created = instance.post("/products", "{\"name\":\"" + name + "\",\"price\":" + price + ",\"stock\":1}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("data").get("id").asLong();
    }

    private static void setReplayPaused(boolean paused) throws SQLException {
        try (Connection replica = stack.replica().connectAsSuperuser()) {
            replica.createStatement().execute(paused ? "select pg_wal_replay_pause()" : "select pg_wal_replay_resume()");
        }
    }

    private static boolean replicaHasProduct(long id) throws SQLException {
        try (Connection replica = stack.connectToAppDatabase(stack.replica());
             ResultSet rows = replica.createStatement().executeQuery(
                     "select count(*) from products where id = " + id)) {
            rows.next();
            return rows.getInt(1) == 1;
        }
    }
}
