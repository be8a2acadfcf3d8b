package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.service.History.Kind;
import io.cachedapi.service.ServiceInstance.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import tools.jackson.databind.JsonNode;

/**
 * Writers and readers on every instance at once, every operation recorded in a {@link History}: writers
 * create, update and delete users and products; readers read products, users and pages of users (the
 * first page and the one new users land on). One workload per stack: its history spans every run, so a
 * run's reads are checked against every write made before them.
 */
final class Workload {

    private static final int HOT_PRODUCTS = 8;
    private static final int PAGE = 50;

    private final List<ServiceInstance> instances;
    private final History history = new History();
    private final AtomicLong tags = new AtomicLong();
    private final Ids hotProducts = new Ids();
    private final Ids otherProducts = new Ids();
    private final Ids users = new Ids();

    Workload(List<ServiceInstance> instances) {
        this.instances = List.copyOf(instances);
        for (int i = 0; i < HOT_PRODUCTS; i++) {
            long tag = tags.incrementAndGet();
            Response created = instances.getFirst().post("/products", productBody(tag));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            long id = created.json().get("data").get("id").asLong();
            history.write(new History.Write("product:" + id, Kind.CREATE, tag, 0, 0, true));
            hotProducts.add(id);
        }
    }

    History history() {
        return history;
    }

    /**
     * Runs {@code writersPerInstance} writers and {@code readersPerInstance} readers on each instance for
     * {@code duration}, calls {@code fault} halfway through (on the test's thread, while the load runs), and
     * returns the result of the run's reads.
     */
    Result run(Duration duration, int writersPerInstance, int readersPerInstance, Runnable fault) {
        long since = history.mark();
        int readsBefore = history.reads();
        int writesBefore = history.acknowledgedWrites();
        var running = new AtomicBoolean(true);
        try (ExecutorService load = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ServiceInstance instance : instances) {
                for (int i = 0; i < writersPerInstance; i++) {
                    load.submit(() -> {
                        while (running.get()) {
                            writeOnce(instance);
                        }
                    });
                }
                for (int i = 0; i < readersPerInstance; i++) {
                    load.submit(() -> {
                        while (running.get()) {
                            readOnce(instance);
                        }
                    });
                }
            }
            pause(duration.dividedBy(2));
            fault.run();
            pause(duration.dividedBy(2));
            running.set(false);
        }
        return new Result(history.reads() - readsBefore, history.acknowledgedWrites() - writesBefore,
                history.violations(since));
    }

    Result run(Duration duration, int writersPerInstance, int readersPerInstance) {
        return run(duration, writersPerInstance, readersPerInstance, () -> { });
    }

    /**
     * @param reads      reads recorded in the run
     * @param writes     writes acknowledged in the run
     * @param violations failed reads and reads that missed an acknowledged write
     */
    record Result(int reads, int writes, List<String> violations) {

        @Override
        public String toString() {
            return reads + " reads, " + writes + " acknowledged writes, " + violations.size() + " violations"
                    + (violations.isEmpty() ? "" : ": " + violations.subList(0, Math.min(10, violations.size())));
        }
    }

    private void writeOnce(ServiceInstance instance) {
        int dice = ThreadLocalRandom.current().nextInt(100);
        if (dice < 30) {
            long tag = tags.incrementAndGet();
            Write write = write(() -> instance.post("/users", userBody(tag)));
            Long id = write.createdId();
            if (id != null) {
                history.write(write.record("user:" + id, Kind.CREATE, tag));
                users.add(id);
            }
        } else if (dice < 40) {
            Long id = users.removeAny();
            if (id != null) {
                history.write(write(() -> instance.delete("/users/" + id)).record("user:" + id, Kind.DELETE, 0));
            }
        } else if (dice < 75) {
            long id = hotProducts.any();
            long tag = tags.incrementAndGet();
            history.write(write(() -> instance.put("/products/" + id, productBody(tag)))
                    .record("product:" + id, Kind.UPDATE, tag));
        } else if (dice < 90) {
            long tag = tags.incrementAndGet();
            Write write = write(() -> instance.post("/products", productBody(tag)));
            Long id = write.createdId();
            if (id != null) {
                history.write(write.record("product:" + id, Kind.CREATE, tag));
                otherProducts.add(id);
            }
        } else {
            Long id = otherProducts.removeAny();
            if (id != null) {
                history.write(write(() -> instance.delete("/products/" + id)).record("product:" + id, Kind.DELETE, 0));
            }
        }
    }

    private void readOnce(ServiceInstance instance) {
        int dice = ThreadLocalRandom.current().nextInt(100);
        if (dice < 30) {
            readItem(instance, "product", ThreadLocalRandom.current().nextBoolean() ? hotProducts.any() : otherProducts.anyOr(hotProducts.any()));
        } else if (dice < 50) {
            Long id = users.anyOrNull();
            if (id != null) {
                readItem(instance, "user", id);
            }
        } else {
            long tail = Math.max(0, (users.size() - 1) / PAGE * PAGE);
            long offset = dice < 60 ? 0 : tail;
            readPage(instance, offset);
        }
    }

    private void readItem(ServiceInstance instance, String resource, long id) {
        long start = System.nanoTime();
        Response response;
        try {
            response = instance.get("/" + (resource.equals("user") ? "users" : "products") + "/" + id);
        } catch (RuntimeException e) {
            history.failedRead(resource + " " + id + ": " + e);
            return;
        }
        long end = System.nanoTime();
        String key = resource + ":" + id;
        if (response.status() == 404) {
            history.read(new History.ItemRead(key, null, start, end, response.toString()));
        } else if (response.status() == 200) {
            history.read(new History.ItemRead(key, tagOf(resource, response.json().get("data")), start, end,
                    response.cache() + " " + response.json().get("source").asString() + " " + response.body()));
        } else {
            history.failedRead(key + ": " + response);
        }
    }

    private void readPage(ServiceInstance instance, long offset) {
        long start = System.nanoTime();
        Response response;
        try {
            response = instance.get("/users?limit=" + PAGE + "&offset=" + offset);
        } catch (RuntimeException e) {
            history.failedRead("page " + offset + ": " + e);
            return;
        }
        long end = System.nanoTime();
        if (response.status() != 200) {
            history.failedRead("page " + offset + ": " + response);
            return;
        }
        List<long[]> rows = new ArrayList<>();
        for (JsonNode user : response.json().get("data")) {
            rows.add(new long[] {user.get("id").asLong(), tagOf("user", user)});
        }
        history.read(new History.PageRead(PAGE, offset, rows, start, end,
                response.cache() + " " + response.json().get("source").asString() + " on "
                        + response.json().get("instance").asString()));
    }

    private static long tagOf(String resource, JsonNode data) {
        return resource.equals("user") ? Long.parseLong(data.get("name").asString().substring(1))
                : data.get("stock").asLong();
    }

    private static String productBody(long tag) {
        return "{\"name\":\"p\",\"price\":1.00,\"stock\":" + tag + "}";
    }

    private static String userBody(long tag) {
        return "{\"name\":\"t" + tag + "\",\"email\":\"t" + tag + "@example.com\"}";
    }

    /** Sends a write and notes when it began and ended; any answer but a 2xx leaves its outcome unknown. */
    private static Write write(java.util.function.Supplier<Response> send) {
        long start = System.nanoTime();
        try {
            Response response = send.get();
            return new Write(start, System.nanoTime(), response);
        } catch (RuntimeException e) {
            return new Write(start, System.nanoTime(), null);
        }
    }

    private record Write(long start, long end, Response response) {

        boolean acknowledged() {
            return response != null && response.status() / 100 == 2;
        }

        Long createdId() {
            return acknowledged() ? response.json().get("data").get("id").asLong() : null;
        }

        History.Write record(String key, Kind kind, long tag) {
            return new History.Write(key, kind, tag, start, end, acknowledged());
        }
    }

    private static void pause(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        await().atMost(duration.plusSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> System.nanoTime() >= until);
    }

    /** Ids to pick from at random, shared by the workload's threads. */
    private static final class Ids {
        private final ReentrantLock lock = new ReentrantLock();
        private final List<Long> ids = new ArrayList<>();

        void add(long id) {
            lock.lock();
            try {
                ids.add(id);
            } finally {
                lock.unlock();
            }
        }

        int size() {
            lock.lock();
            try {
                return ids.size();
            } finally {
                lock.unlock();
            }
        }

        long any() {
            Long id = anyOrNull();
            if (id == null) {
                throw new IllegalStateException("no ids yet");
            }
            return id;
        }

        long anyOr(long fallback) {
            Long id = anyOrNull();
            return id == null ? fallback : id;
        }

        Long anyOrNull() {
            lock.lock();
            try {
                return ids.isEmpty() ? null : ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
            } finally {
                lock.unlock();
            }
        }

        /** Takes one away (its deletion is under way): no one else deletes it too. */
        Long removeAny() {
            lock.lock();
            try {
                return ids.isEmpty() ? null : ids.remove(ThreadLocalRandom.current().nextInt(ids.size()));
            } finally {
                lock.unlock();
            }
        }
    }
}
