package io.cachedapi.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator benchmark of make bench (not part of make test: its name is no test pattern): time from
 * creating CachedApis to all their children existing on the mock API server, for 1 and for 100, and
 * the memory afterwards. Writes bench/results/operator.json.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorBenchmark {

    private static final int CHILDREN = 14;
    private static final Path RESULT = Path.of("../bench/results/operator.json");

    static KubernetesClient client;

    @Test
    void createToChildren() throws Exception {
        Operator operator = new Operator(overrider -> overrider.withKubernetesClient(client).withCloseClientOnStop(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false).withUseSSAToPatchPrimaryResource(false)
                .withConcurrentReconciliationThreads(10));
        operator.register(new CachedApiReconciler(new FakeProbes(), Clock.systemUTC(), Duration.ofSeconds(30)));
        operator.start();
        try {
            long one = createAndWait(1, "one");
            long hundred = createAndWait(100, "many");
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
            long rss = rssMib();
            String json = String.format("{%n  \"one_resource_ms\": %d,%n  \"hundred_resources_ms\": %d,%n"
                    + "  \"heap_used_mib\": %d,%n  \"rss_mib\": %d%n}%n", one, hundred, heap, rss);
            Files.createDirectories(RESULT.getParent());
            Files.writeString(RESULT, json);
            System.out.println("operator benchmark: " + json);
            assertThat(one).isPositive();
        } finally {
            operator.stop();
        }
    }

    /** Creates {@code count} CachedApis (one namespace each) and waits until all their children exist. */
    private long createAndWait(int count, String prefix) {
        CachedApi template = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
        Instant start = Instant.now();
        for (int i = 0; i < count; i++) {
            CachedApi api = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
            api.getMetadata().setNamespace(prefix + "-" + i);
            api.setSpec(template.getSpec());
            client.resource(api).create();
        }
        Instant deadline = start.plusSeconds(300);
        while (children(prefix) < (long) count * CHILDREN) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("children of " + count + " CachedApis not all created within 300 s");
            }
            Thread.onSpinWait();
        }
        return Duration.between(start, Instant.now()).toMillis();
    }

    private long children(String prefix) {
        Map<String, String> ours = Map.of("app.kubernetes.io/name", "cachedapi");
        return client.secrets().inAnyNamespace().withLabels(ours).list().getItems().stream()
                        .filter(o -> o.getMetadata().getNamespace().startsWith(prefix + "-")).count()
                + client.configMaps().inAnyNamespace().withLabels(ours).list().getItems().stream()
                        .filter(o -> o.getMetadata().getNamespace().startsWith(prefix + "-")).count()
                + client.services().inAnyNamespace().withLabels(ours).list().getItems().stream()
                        .filter(o -> o.getMetadata().getNamespace().startsWith(prefix + "-")).count()
                + client.apps().statefulSets().inAnyNamespace().withLabels(ours).list().getItems().stream()
                        .filter(o -> o.getMetadata().getNamespace().startsWith(prefix + "-")).count()
                + client.apps().deployments().inAnyNamespace().withLabels(ours).list().getItems().stream()
                        .filter(o -> o.getMetadata().getNamespace().startsWith(prefix + "-")).count()
                + client.policy().v1().podDisruptionBudget().inAnyNamespace().withLabels(ours).list().getItems().stream()
                        .filter(o -> o.getMetadata().getNamespace().startsWith(prefix + "-")).count();
    }

    private static long rssMib() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(line -> line.startsWith("VmRSS:"))
                .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024).findFirst().orElse(-1L);
    }
}
