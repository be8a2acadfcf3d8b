package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.liveloop.LiveLoop;
import io.cachedapi.operator.resources.Names;
import io.cachedapi.operator.resources.WiringContract;
import io.cachedapi.service.ServiceInstance.Response;
import io.cachedapi.testkit.RedisServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The API through a failover, on the operator's live loop (issue 13): the real operator replaces a
 * lost primary of real PostgreSQL while two API instances, each started with the environment the
 * operator's Deployment gives its pods, serve a writer and a reader each. The instances reach
 * PostgreSQL through the {@code -rw} and {@code -ro} Services, routed by the pods' labels as kube-proxy
 * would. Redis is the one part the live loop does not play: the instances share one of this test's.
 *
 * <p>Every operation is recorded (start, end, result) and the history checked afterwards: every read
 * answers 200 and returns the last write acknowledged before it began, or a later one, before, during
 * and after the promotion; a write answers 200, or 503 problem details with Retry-After.
 */
@EnableKubernetesMockClient(crud = true)
class LiveFailoverIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String OLD_PRIMARY = LiveLoop.NAME + "-pg-0";
    /** Reads of each product that must begin after the new primary acknowledged a write of it. */
    private static final int READS_AFTER_FAILOVER = 20;

    static KubernetesClient client;

    @Test
    void readsNeitherFailNorGoStaleWhileTheOperatorReplacesALostPrimary() throws Exception {
        try (LiveLoop loop = LiveLoop.start(client, "api-failover");
             RedisServer redis = RedisServer.builder().start()) {
            CachedApi api = loop.create(2, created -> created.getSpec().getPostgres().setSynchronous(true));
            await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified(OLD_PRIMARY));
            List<ServiceInstance> instances = new ArrayList<>();
            try {
                for (int ordinal = 0; ordinal < 2; ordinal++) {
                    instances.add(startApiPod(loop, Names.api(api) + "-" + ordinal, redis));
                }
                History history = new History();
                List<Thread> clients = new ArrayList<>();
                AtomicBoolean running = new AtomicBoolean(true);
                for (ServiceInstance instance : instances) {
                    long product = createProduct(instance);
                    history.products.add(product);
                    clients.add(Thread.ofPlatform().daemon().start(() -> write(instance, product, history, running)));
                }
                for (ServiceInstance instance : instances) {
                    clients.add(Thread.ofPlatform().daemon().start(() -> read(instance, history, running)));
                }
                await().atMost(WAIT).until(() -> history.products.stream()
                        .allMatch(product -> history.acknowledgedWritesAfter(product, 0) >= 10));

                long fault = System.nanoTime();
                loop.cluster().loseNode(OLD_PRIMARY);
                await().atMost(WAIT).untilAsserted(() -> assertThat(loop.current().getStatus().getPrimary())
                        .as(loop::diagnostics).isNotNull().isNotEqualTo(OLD_PRIMARY));
                await().atMost(WAIT).untilAsserted(() -> assertThat(history.products).as(loop::diagnostics)
                        .allSatisfy(product -> assertThat(history.readsAfterFirstWriteAfter(product, fault))
                                .isGreaterThanOrEqualTo(READS_AFTER_FAILOVER)));
                running.set(false);
                for (Thread thread : clients) {
                    assertThat(thread.join(WAIT)).as("client stopped").isTrue();
                }

                for (long product : history.products) {
                    System.out.printf("api through a failover: product %d, first write on the new primary %d ms"
                            + " after the fault, %d reads checked%n", product,
                            TimeUnit.NANOSECONDS.toMillis(history.firstWriteAfter(product, fault) - fault),
                            history.reads(product));
                }
                assertThat(history.violations()).as("reads that failed or missed an acknowledged write, and writes"
                        + " that failed otherwise than with 503 + Retry-After").isEmpty();
            } finally {
                instances.forEach(ServiceInstance::close);
            }
        }
    }

    /** An API pod played in this JVM: the environment the operator's Deployment gives it, Redis excepted. */
    private static ServiceInstance startApiPod(LiveLoop loop, String podName, RedisServer redis) {
        Map<String, Object> environment = new HashMap<>(
                loop.cluster().deploymentEnvironment(Names.api(loop.current()), podName));
        assertThat(environment).containsKeys(WiringContract.NAMES.toArray(String[]::new));
        environment.put(WiringContract.REDIS_HOST, redis.host());
        environment.put(WiringContract.REDIS_PORT, Integer.toString(redis.port()));
        environment.put(WiringContract.REDIS_PASSWORD, redis.password());
        return ServiceInstance.start(environment);
    }

    private static long createProduct(ServiceInstance instance) {
        Response created = instance.post("/products", productBody(0));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("data").get("id").asLong();
    }

    /** Sets the product's stock to 1, 2, 3, ... one write at a time, as long as the test runs. */
    private static void write(ServiceInstance instance, long product, History history, AtomicBoolean running) {
        for (long stock = 1; running.get(); stock++) {
            long start = System.nanoTime();
            Response response = instance.put("/products/" + product, productBody(stock));
            history.add(new Operation(true, product, start, System.nanoTime(), response, stock));
        }
    }

    /** Reads every product in turn, paced so the clients leave the operator and PostgreSQL some CPU. */
    private static void read(ServiceInstance instance, History history, AtomicBoolean running) {
        while (running.get()) {
            for (long product : history.products) {
                long start = System.nanoTime();
                Response response = instance.get("/products/" + product);
                long stock = response.status() == 200 ? response.json().get("data").get("stock").asLong() : -1;
                history.add(new Operation(false, product, start, System.nanoTime(), response, stock));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
    }

    private static String productBody(long stock) {
        return "{\"name\":\"failover\",\"price\":1.00,\"stock\":" + stock + "}";
    }

    /** One request: a write sets {@code stock}; a read returned it (-1 when it failed). Times from System.nanoTime. */
    private record Operation(boolean write, long product, long start, long end, Response response, long stock) {

        boolean acknowledged() {
            return write && response.status() == 200;
        }
    }

    private static final class History {

        final List<Long> products = new CopyOnWriteArrayList<>();
        private final Queue<Operation> operations = new ConcurrentLinkedQueue<>();

        void add(Operation operation) {
            operations.add(operation);
        }

        long acknowledgedWritesAfter(long product, long since) {
            return operations.stream().filter(op -> op.product() == product && op.acknowledged() && op.start() > since)
                    .count();
        }

        /** When the first write that began after {@code since} was acknowledged (Long.MAX_VALUE: none yet). */
        long firstWriteAfter(long product, long since) {
            return operations.stream().filter(op -> op.product() == product && op.acknowledged() && op.start() > since)
                    .mapToLong(Operation::end).min().orElse(Long.MAX_VALUE);
        }

        long readsAfterFirstWriteAfter(long product, long since) {
            long first = firstWriteAfter(product, since);
            return operations.stream().filter(op -> !op.write() && op.product() == product && op.start() > first).count();
        }

        long reads(long product) {
            return operations.stream().filter(op -> !op.write() && op.product() == product).count();
        }

        /**
         * Every read must succeed and return a stock between the last write acknowledged before it began
         * (0: the product as created) and the highest write begun before it ended (one in flight may have
         * committed); every failed write must be a 503 problem with Retry-After.
         */
        List<String> violations() {
            List<Operation> all = List.copyOf(operations);
            var violations = new ArrayList<String>();
            for (Operation op : all) {
                Response response = op.response();
                if (op.write()) {
                    boolean unavailable = response.status() == 503 && response.retryAfter().isPresent()
                            && response.contentType().startsWith("application/problem+json");
                    if (response.status() != 200 && !unavailable) {
                        violations.add("write of stock " + op.stock() + ": " + response);
                    }
                    continue;
                }
                if (response.status() != 200) {
                    violations.add("read of " + op.product() + ": " + response);
                    continue;
                }
                long atLeast = all.stream().filter(w -> w.product() == op.product() && w.acknowledged()
                        && w.end() < op.start()).mapToLong(Operation::stock).max().orElse(0);
                long atMost = all.stream().filter(w -> w.write() && w.product() == op.product()
                        && w.start() < op.end()).mapToLong(Operation::stock).max().orElse(0);
                if (op.stock() < atLeast || op.stock() > atMost) {
                    violations.add("read of " + op.product() + " returned stock " + op.stock() + ", expected "
                            + atLeast + ".." + atMost + " (" + response.cache() + ")");
                }
            }
            return violations;
        }
    }
}
