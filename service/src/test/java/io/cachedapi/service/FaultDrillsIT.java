package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.service.ServiceInstance.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fault drills under load, across two instances sharing Redis: Redis killed, Redis hung, a replica
 * killed, replica replay paused during writes, the primary killed. Each counts requests, errors and
 * stale reads (a read that misses a write acknowledged before it began) and the time to recover.
 * make test runs the short form; make drills runs it longer ({@code -Ddrills.seconds}) and keeps the
 * report in bench/results/drills.json.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultDrillsIT {

    private static final Duration FAULT = Duration.ofSeconds(Long.getLong("drills.seconds", 2));
    private static final Duration RECOVERY = Duration.ofSeconds(60);
    /** Writes while the primary is down must fail fast, not hang: far below a client's patience. */
    private static final Duration FAST_FAILURE = Duration.ofSeconds(5);

    private static TestStack stack;
    private static ServiceInstance a;
    private static ServiceInstance b;
    private static final List<String> REPORT = new ArrayList<>();

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        a = stack.startService("api-a");
        b = stack.startService("api-b");
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
        String json = "[\n" + String.join(",\n", REPORT) + "\n]\n";
        Path output = Path.of(System.getProperty("drills.output", "target/drills.json"));
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, json);
        System.out.println("fault drills:\n" + json);
    }

    @Test
    @Order(1)
    void redisKilledAndRestarted() {
        Drill drill = Drill.start("redis_killed", createProduct());
        stack.redis().process().orElseThrow().signal("KILL");
        drill.runFor(FAULT);
        stack.redis().stop();
        stack.redis().start();
        drill.recoveredWhen(() -> "HIT".equals(hitOnce(drill.product)));
        drill.finish("SIGKILL; recovery: until reads hit the cache again");
    }

    @Test
    @Order(2)
    void redisHungAndResumed() {
        Drill drill = Drill.start("redis_hung", createProduct());
        stack.redis().hang();
        drill.runFor(FAULT);
        stack.redis().resume();
        drill.recoveredWhen(() -> "HIT".equals(hitOnce(drill.product)));
        drill.finish("SIGSTOP/SIGCONT; recovery: until reads hit the cache again");
    }

    @Test
    @Order(3)
    void replicaKilledAndRestarted() {
        Drill drill = Drill.start("replica_killed", createProduct());
        stack.replica().signal("QUIT");   // immediate shutdown, like a crash
        drill.runFor(FAULT);
        stack.replica().stop();
        stack.replica().start();
        drill.recoveredWhen(() -> "replica".equals(freshRead(a)));
        drill.finish("SIGQUIT; recovery: until misses are read from the replica again");
    }

    @Test
    @Order(4)
    void replicaReplayPausedDuringWrites() throws Exception {
        Drill drill = Drill.start("replay_paused", createProduct());
        setReplayPaused(true);
        try {
            drill.runFor(FAULT);
        } finally {
            setReplayPaused(false);
        }
        drill.recoveredWhen(() -> "replica".equals(freshRead(b)));
        drill.finish("pg_wal_replay_pause(); reads that depend on a write go to the primary");
    }

    @Test
    @Order(5)
    void primaryKilled() {
        Drill drill = Drill.start("primary_down", createProduct());
        drill.writesMayFail();
        stack.primary().signal("QUIT");
        drill.runFor(FAULT);
        stack.primary().stop();
        stack.primary().start();
        drill.recoveredWhen(() -> drill.writeOnce(a));
        // Replication is asynchronous: a write the primary acknowledged just before it died may not have
        // reached the replica that reads then fall back to. Reported, not asserted (see the README).
        drill.staleReadsPossible();
        drill.stopLoad();
        drill.finish("SIGQUIT, no operator to fail over: the same primary comes back; " + drill.failedWrites.size() + " writes answered 503 (median " + drill.failedWriteMillis(0.5)
                + " ms, slowest " + drill.failedWriteMillis(1) + " ms), reads go on");
        assertThat(drill.failedWriteMillis(1)).isLessThan(FAST_FAILURE.toMillis());
    }

    /** One drill: readers on both instances, one writer on the product they read, all the time. */
    private static final class Drill {
        private final String name;
        private final long product;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong requests = new AtomicLong();
        private final AtomicLong readErrors = new AtomicLong();
        private final AtomicLong writeErrors = new AtomicLong();
        private final AtomicLong staleReads = new AtomicLong();
        private final AtomicLong acknowledgedStock = new AtomicLong();
        /** How long each failed write took to be answered, in milliseconds. */
        private final Queue<Long> failedWrites = new ConcurrentLinkedQueue<>();
        private final AtomicLong writesWithoutProblemDetails = new AtomicLong();
        private final AtomicInteger nextStock = new AtomicInteger();
        /** The first stale reads, as they were answered: what a failure message needs to be acted on. */
        private final Queue<String> staleExamples = new ConcurrentLinkedQueue<>();
        private final long startedNanos = System.nanoTime();
        private final ExecutorService load = Executors.newVirtualThreadPerTaskExecutor();
        private volatile boolean writesMayFail;
        private volatile boolean staleReadsPossible;
        private long recoveryMillis;

        private Drill(String name, long product) {
            this.name = name;
            this.product = product;
        }

        static Drill start(String name, long product) {
            Drill drill = new Drill(name, product);
            for (ServiceInstance reader : List.of(a, b, a, b)) {
                drill.load.submit(() -> drill.read(reader));
            }
            drill.load.submit(drill::write);
            return drill;
        }

        void writesMayFail() {
            writesMayFail = true;
        }

        void staleReadsPossible() {
            staleReadsPossible = true;
        }

        private void read(ServiceInstance instance) {
            while (running.get()) {
                long acknowledgedBefore = acknowledgedStock.get();
                Response response = instance.get("/products/" + product);
                requests.incrementAndGet();
                if (response.status() != 200) {
                    readErrors.incrementAndGet();
                } else if (response.json().get("data").get("stock").asLong() < acknowledgedBefore) {
                    if (staleReads.incrementAndGet() <= 5) {
                        staleExamples.add("at " + (System.nanoTime() - startedNanos) / 1_000_000 + " ms, "
                                + (instance == a ? "a" : "b") + " answered " + response.cache() + " "
                                + response.body() + " after stock " + acknowledgedBefore + " was acknowledged");
                    }
                }
            }
        }

        private void write() {
            while (running.get()) {
                writeOnce(nextStock.get() % 2 == 0 ? a : b);
            }
        }

        /**
         * Writes the next stock of the sequence; true when it was acknowledged. Every write of the drill goes
         * through here, one at a time, so the stored stock only grows and a read below an acknowledged stock
         * is surely stale.
         */
        synchronized boolean writeOnce(ServiceInstance instance) {
            int stock = nextStock.incrementAndGet();
            long started = System.nanoTime();
            Response response = instance.put("/products/" + product, productBody(stock));
            requests.incrementAndGet();
            if (response.status() == 200) {
                acknowledgedStock.accumulateAndGet(stock, Math::max);
                return true;
            }
            writeErrors.incrementAndGet();
            failedWrites.add((System.nanoTime() - started) / 1_000_000);
            if (!response.contentType().startsWith("application/problem+json")) {
                writesWithoutProblemDetails.incrementAndGet();
            }
            return false;
        }

        /** The failed writes' time to answer at {@code quantile} (0.5: median, 1: slowest); 0 when none failed. */
        long failedWriteMillis(double quantile) {
            long[] sorted = failedWrites.stream().mapToLong(Long::longValue).sorted().toArray();
            return sorted.length == 0 ? 0 : sorted[(int) Math.ceil(quantile * sorted.length) - 1];
        }

        void runFor(Duration duration) {
            long until = System.nanoTime() + duration.toNanos();
            await().atMost(duration.plusSeconds(5)).until(() -> System.nanoTime() >= until);
        }

        void recoveredWhen(BooleanSupplier recovered) {
            long started = System.nanoTime();
            await().atMost(RECOVERY).pollInterval(Duration.ofMillis(50)).until(recovered::getAsBoolean);
            recoveryMillis = (System.nanoTime() - started) / 1_000_000;
        }

        /** Stops the readers and the writer, and waits for their requests in flight. */
        void stopLoad() {
            running.set(false);
            load.close();
        }

        void finish(String notes) {
            stopLoad();
            REPORT.add(String.format("  {\"name\": \"%s\", \"requests\": %d, \"errors\": %d, \"write_errors\": %d,"
                            + " \"stale_reads\": %d, \"recovery_ms\": %d, \"notes\": \"%s\"}", name, requests.get(),
                    readErrors.get() + (writesMayFail ? 0 : writeErrors.get()), writeErrors.get(), staleReads.get(),
                    recoveryMillis, notes));
            assertThat(readErrors.get()).as(name + ": failed reads").isZero();
            if (!writesMayFail) {
                assertThat(writeErrors.get()).as(name + ": failed writes").isZero();
            }
            if (!staleReadsPossible) {
                assertThat(staleReads.get()).as(name + ": stale reads " + staleExamples).isZero();
            }
            assertThat(writesWithoutProblemDetails.get()).as(name + ": failed writes without problem details").isZero();
            assertThat(requests.get()).as(name + ": the load ran").isGreaterThan(10);
        }
    }

    private static final AtomicInteger FRESH = new AtomicInteger();

    /** The source of a read no one made before (always a cache miss). */
    private static String freshRead(ServiceInstance instance) {
        return instance.get("/users?limit=3&offset=" + FRESH.incrementAndGet()).json().get("source").asString();
    }

    private static String hitOnce(long product) {
        a.get("/products/" + product);
        return a.get("/products/" + product).cache();
    }

    private static long createProduct() {
        Response created = a.post("/products", productBody(0));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("data").get("id").asLong();
    }

    private static String productBody(int stock) {
        return "{\"name\":\"drill\",\"price\":1.00,\"stock\":" + stock + "}";
    }

    private static void setReplayPaused(boolean paused) throws Exception {
        try (Connection replica = stack.replica().connectAsSuperuser()) {
            replica.createStatement().execute(paused ? "select pg_wal_replay_pause()" : "select pg_wal_replay_resume()");
        }
    }
}
