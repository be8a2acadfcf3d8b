package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.service.ServiceInstance.Response;
import io.cachedapi.service.data.WalPosition;
import io.cachedapi.testkit.PostgresInstance;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A replica promoted below the write fence (issue 13), on real PostgreSQL: the primary acknowledges writes
 * its replicas never receive and dies; a replica is promoted and starts timeline 2 below the last fence.
 * Reads must leave the primary again without waiting for new WAL to pass the old fence, and must never
 * come from a server on another timeline, whatever its LSN; writes answer 503 with Retry-After while no
 * primary takes them. Two instances share Redis; {@code -rw} and {@code -ro} are {@link ServiceAddress}es
 * the test routes as the operator's labels would.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PromotionIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String READ_ONLY_REFUSAL = "cannot execute UPDATE in a read-only transaction";

    private static TestStack stack;
    private static ServiceInstance a;
    private static ServiceInstance b;
    private static final AtomicInteger freshPages = new AtomicInteger();

    @BeforeAll
    static void start() {
        stack = TestStack.startBehindServiceAddresses(TestStack.PATIENT_REDIS_TIMEOUT, 2);
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
    @Order(1)
    void aWriteThatReachesAReplicaBehindRwIsA503AndWritesResumeOnceRwLeadsToThePrimaryAgain() throws Exception {
        PostgresInstance primary = stack.primary();
        PostgresInstance replica = stack.replicas().getFirst();
        long product = createProduct(b, 1);

        stack.rw().routeTo(replica);
        stack.rw().endConnections();
        // Every write is refused while -rw leads to the replica, and the replica's log shows they reached it.
        await().atMost(WAIT).until(() -> {
            assertUnavailable(b.put("/products/" + product, productBody(2)));
            return Files.readString(replica.logFile()).contains(READ_ONLY_REFUSAL);
        });

        // Connections the pool made meanwhile still lead to the replica (conntrack keeps them): a refusal
        // must have dropped them, or every write would go on failing.
        stack.rw().routeTo(primary);
        await().atMost(WAIT).until(() -> b.put("/products/" + product, productBody(3)).status() == 200);
        assertThat(stock(read(a, product, true))).isEqualTo(3);
    }

    @Test
    @Order(2)
    void aPromotionBelowTheWriteFenceNeitherKeepsReadsOnThePrimaryNorServesThemFromTheOldTimeline() throws Exception {
        PostgresInstance oldPrimary = stack.primary();
        PostgresInstance follower = stack.replicas().get(0);   // behind -ro from the start
        PostgresInstance promoted = stack.replicas().get(1);
        for (PostgresInstance instance : List.of(oldPrimary, follower, promoted)) {
            instance.setTopology(oldPrimary, true);   // the operator records the bootstrap once the primary answers
        }
        long product = createProduct(a, 1);
        await().atMost(WAIT).until(() -> hasProduct(follower, product) && hasProduct(promoted, product));
        await().atMost(WAIT).until(() -> "replica".equals(source(freshPage(a))));

        // Given writes no replica receives, the last of them a WAL segment further on than the replicas got.
        follower.stop();
        promoted.stop();   // after the follower: it has all the follower has, which can then follow it
        assertThat(b.put("/products/" + product, productBody(2)).status()).isEqualTo(200);
        execute(oldPrimary, "select pg_switch_wal()");
        assertThat(a.put("/products/" + product, productBody(4)).status()).isEqualTo(200);
        WalPosition lostFence = sharedFence();
        assertThat(lostFence.timeline()).isEqualTo(1);
        assertThat(stock(a.get("/products/" + product))).isEqualTo(4);

        // When the primary is lost, writes answer 503 and reads go on, from the cache and the replicas.
        oldPrimary.kill();
        stack.rw().routeToNothing();
        assertUnavailable(a.put("/products/" + product, productBody(5)));
        follower.start();
        promoted.start();
        for (ServiceInstance instance : List.of(a, b)) {   // once the read pools have replaced what the restart broke
            await().atMost(WAIT).until(() -> "replica".equals(source(freshPage(instance))));
        }
        stack.ro().endConnections();   // a replica read that fails now has no primary to fall back to: it tries again
        for (ServiceInstance instance : List.of(a, b)) {
            assertThat(instance.get("/products/" + product).status()).isEqualTo(200);
            Response withoutPrimary = freshPage(instance);
            assertThat(withoutPrimary.status()).as(withoutPrimary.toString()).isEqualTo(200);
            assertThat(source(withoutPrimary)).isEqualTo("replica");
        }
        stack.rw().routeTo(promoted);
        assertUnavailable(b.put("/products/" + product, productBody(5)));

        // Then a replica is promoted: timeline 2 begins below the last fence.
        execute(promoted, "select pg_promote()");
        WalPosition newPrimary = primaryPosition(promoted);
        assertThat(newPrimary.timeline()).isEqualTo(2);
        assertThat(newPrimary.lsn()).as("the new primary is below the fence").isLessThan(lostFence.lsn());
        follower.setTopology(promoted, true);
        follower.stop();
        follower.start();   // follows the new primary (pods follow -rw without a restart)

        // Reads leave the primary without any write on the new timeline...
        for (ServiceInstance instance : List.of(a, b)) {
            await().atMost(WAIT).until(() -> "replica".equals(source(freshPage(instance))));
        }
        assertThat(sharedFence()).as("no write since the promotion").isEqualTo(lostFence);

        History history = History.start(product, 1);   // the last acknowledged write the new primary has
        try {
            // ...and after one, whose fence replaces the old one although it is lower.
            await().atMost(WAIT).until(() -> a.put("/products/" + product, productBody(10)).status() == 200);
            history.acknowledged(10);
            WalPosition newFence = sharedFence();
            assertThat(newFence.timeline()).isEqualTo(2);
            assertThat(newFence.lsn()).isLessThan(lostFence.lsn());
            for (ServiceInstance instance : List.of(a, b)) {
                await().atMost(WAIT).until(() -> "replica".equals(source(freshPage(instance))));
                await().atMost(WAIT).until(() -> "replica".equals(source(read(instance, product, true))));
                assertThat(stock(read(instance, product, true))).isEqualTo(10);
            }

            // The old primary comes back before it rejoins: timeline 1, far past the new fence's LSN.
            oldPrimary.start();   // the topology it reads still names it: it starts as a primary
            WalPosition oldTimeline = primaryPosition(oldPrimary);
            assertThat(oldTimeline.timeline()).isEqualTo(1);
            assertThat(oldTimeline.lsn()).as("an LSN alone would pass the fence").isGreaterThan(newFence.lsn());
            stack.ro().routeTo(oldPrimary);
            stack.ro().endConnections();
            double turnedAwayBefore = lagFallbacks();
            // Until many reads have reached it and been sent to the primary (the replica breaker may first
            // keep them away a while, after the connections that -ro carried ended).
            await().atMost(WAIT).until(() -> {
                for (ServiceInstance instance : List.of(a, b)) {
                    Response fromDatabase = read(instance, product, true);
                    assertThat(stock(fromDatabase)).as(fromDatabase.toString()).isEqualTo(10);
                    assertThat(source(fromDatabase)).isEqualTo("primary");
                    assertThat(source(freshPage(instance))).isEqualTo("primary");
                }
                return lagFallbacks() >= turnedAwayBefore + 20;
            });

            // Once it has rejoined (rewound onto timeline 2, following the new primary), it serves reads again.
            oldPrimary.stop();
            oldPrimary.setTopology(promoted, true);
            oldPrimary.start();
            stack.ro().endConnections();
            for (ServiceInstance instance : List.of(a, b)) {
                await().atMost(WAIT).until(() -> "replica".equals(source(freshPage(instance))));
                await().atMost(WAIT).until(() -> "replica".equals(source(read(instance, product, true))));
                assertThat(stock(read(instance, product, true))).isEqualTo(10);
            }
        } finally {
            history.stop();
        }
        history.assertNeverStale();
    }

    /**
     * Readers on both instances, through the cache and around it, each read checked against the last write
     * acknowledged (and kept by the new primary) before it began.
     */
    private static final class History {
        private final long product;
        private final AtomicLong acknowledged;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong reads = new AtomicLong();
        private final Queue<String> violations = new ConcurrentLinkedQueue<>();
        private final ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();

        private History(long product, long acknowledged) {
            this.product = product;
            this.acknowledged = new AtomicLong(acknowledged);
        }

        static History start(long product, long acknowledged) {
            var history = new History(product, acknowledged);
            for (ServiceInstance instance : List.of(a, b)) {
                for (boolean skipCache : List.of(true, false)) {
                    history.readers.submit(() -> history.read(instance, skipCache));
                }
            }
            return history;
        }

        void acknowledged(long stock) {
            acknowledged.accumulateAndGet(stock, Math::max);
        }

        private void read(ServiceInstance instance, boolean skipCache) {
            while (running.get()) {
                long before = acknowledged.get();
                Response response = PromotionIT.read(instance, product, skipCache);
                reads.incrementAndGet();
                if (response.status() != 200) {
                    violations.add("failed: " + response);
                } else if (stock(response) < before) {
                    violations.add("stale: stock " + before + " was acknowledged before " + response);
                }
            }
        }

        void stop() {
            running.set(false);
            readers.close();
        }

        void assertNeverStale() {
            assertThat(violations).as("reads that failed or missed an acknowledged write").isEmpty();
            assertThat(reads.get()).as("the readers ran").isGreaterThan(100);
        }
    }

    /** Reads that a replica turned away because it could not be shown to have replayed the fence. */
    private static double lagFallbacks() {
        return a.counter("cachedapi.db.replica.lag.fallbacks") + b.counter("cachedapi.db.replica.lag.fallbacks");
    }

    /** A page no one has read yet: always a cache miss, so its source says where reads go. */
    private static Response freshPage(ServiceInstance instance) {
        return instance.get("/users?limit=5&offset=" + freshPages.incrementAndGet());
    }

    private static Response read(ServiceInstance instance, long product, boolean skipCache) {
        HttpRequest.Builder request = HttpRequest.newBuilder(instance.uri("/products/" + product)).GET();
        return instance.send(skipCache ? request.header("Cache-Control", "no-cache") : request);
    }

    /** Where a read was answered ({@code replica}, {@code primary}, {@code cache}), or its status when it failed. */
    private static String source(Response response) {
        return response.status() == 200 ? response.json().get("source").asString() : "status " + response.status();
    }

    private static long stock(Response response) {
        return response.json().get("data").get("stock").asLong();
    }

    private static void assertUnavailable(Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(503);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.retryAfter()).as("Retry-After").isPresent();
    }

    private static long createProduct(ServiceInstance instance, long stock) {
        Response created = instance.post("/products", productBody(stock));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("data").get("id").asLong();
    }

    private static String productBody(long stock) {
        return "{\"name\":\"promotion\",\"price\":1.00,\"stock\":" + stock + "}";
    }

    /** The write fence the instances share, as Redis holds it. */
    private static WalPosition sharedFence() throws IOException {
        return new WalPosition(Integer.parseInt(stack.redis().command("GET", "cachedapi:write-fence-timeline")),
                Long.parseLong(stack.redis().command("GET", "cachedapi:write-fence")));
    }

    /** Where a server that is not in recovery writes now, asked directly (not through the service). */
    private static WalPosition primaryPosition(PostgresInstance instance) throws SQLException {
        try (Connection connection = instance.connectAsSuperuser();
             ResultSet row = connection.createStatement().executeQuery("""
                     select ('x' || left(pg_walfile_name(pg_current_wal_lsn()), 8))::bit(32)::int,
                            pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint""")) {
            row.next();
            return new WalPosition(row.getInt(1), row.getLong(2));
        }
    }

    private static boolean hasProduct(PostgresInstance instance, long id) throws SQLException {
        try (Connection connection = stack.connectToAppDatabase(instance);
             ResultSet rows = connection.createStatement()
                     .executeQuery("select count(*) from products where id = " + id)) {
            rows.next();
            return rows.getInt(1) == 1;
        }
    }

    private static void execute(PostgresInstance instance, String sql) throws SQLException {
        try (Connection connection = instance.connectAsSuperuser()) {
            connection.createStatement().execute(sql);
        }
    }
}
