package io.cachedapi.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.resources.Children;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The operator benchmark of make bench (not part of make test: its name is no test pattern): time from
 * creating CachedApis to all their children existing on the mock API server, for 1 and for 100, and the
 * operator's memory afterwards, with 20,000 Secrets and ConfigMaps of other owners on the server all along
 * (its informers select only what it made, so they must not cost it memory). The operator runs in its own JVM ({@link OperatorBenchmarkProcess}) with
 * the memory settings of the chart's container, so that its resident memory is measured alone. Writes
 * bench/results/operator.json.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class OperatorBenchmark {

    /** A busy cluster's other tenants: Secrets and ConfigMaps the operator must never cache. */
    private static final int FOREIGN_NAMESPACES = Integer.getInteger("cachedapi.benchmark.foreignNamespaces", 100);
    private static final int FOREIGN_PER_KIND_AND_NAMESPACE = 100;
    private static final Path RESULT = Path.of("../bench/results/operator.json");
    /**
     * The JVM of the operator's container: the chart's 384 MiB memory limit (values.yaml), the image's
     * flags (jvmFlags in operator/pom.xml), and the collector the JVM picks by itself below 1,792 MiB.
     */
    private static final List<String> CONTAINER_JVM_FLAGS = List.of("-XX:MaxRAM=384m",
            "-XX:MaxRAMPercentage=75", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    static KubernetesClient client;

    @Test
    void createToChildren() throws Exception {
        // The mock server logs every request; at this rate its logging would be most of what is measured.
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        int foreign = createForeignObjects();
        Process operator = startOperator();
        try {
            long one = createAndWait(1, "one");
            long hundred = createAndWait(100, "many");
            long rss = rssMib(operator.pid());
            String json = String.format("{%n  \"one_resource_ms\": %d,%n  \"hundred_resources_ms\": %d,%n"
                    + "  \"operator_rss_mib\": %d,%n  \"foreign_objects\": %d,%n  \"operator_jvm\": \"%s\"%n}%n",
                    one, hundred, rss, foreign, String.join(" ", CONTAINER_JVM_FLAGS));
            Files.createDirectories(RESULT.getParent());
            Files.writeString(RESULT, json);
            System.out.println("operator benchmark: " + json);
            assertThat(one).isPositive();
            assertThat(rss).isPositive();
        } finally {
            operator.getOutputStream().close();
            if (!operator.waitFor(30, TimeUnit.SECONDS)) {
                operator.destroyForcibly();
            }
        }
    }

    /**
     * 10,000 Secrets and 10,000 ConfigMaps of other owners, in namespaces of their own, each with about a
     * kilobyte of data, present before the operator starts. Returns how many.
     */
    private static int createForeignObjects() throws InterruptedException {
        String kilobyte = "x".repeat(1024);
        try (ExecutorService creators = Executors.newFixedThreadPool(16)) {
            for (int n = 0; n < FOREIGN_NAMESPACES; n++) {
                String namespace = "other-team-" + n;
                creators.submit(() -> {
                    for (int i = 0; i < FOREIGN_PER_KIND_AND_NAMESPACE; i++) {
                        client.secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata()
                                .withName("secret-" + i).addToLabels("team", namespace).endMetadata()
                                .addToStringData("value", kilobyte).build()).create();
                        client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata()
                                .withName("config-" + i).addToLabels("team", namespace).endMetadata()
                                .addToData("value", kilobyte).build()).create();
                    }
                });
            }
        }
        return 2 * FOREIGN_NAMESPACES * FOREIGN_PER_KIND_AND_NAMESPACE;
    }

    /** The operator's JVM, on this test's class path, once it has started. */
    private static Process startOperator() throws Exception {
        var command = new ArrayList<String>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(CONTAINER_JVM_FLAGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                OperatorBenchmarkProcess.class.getName(), client.getMasterUrl().toString()));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        var output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = output.readLine(); ; line = output.readLine()) {
            if (line == null) {
                throw new AssertionError("the operator process ended before it started: exit " + process.waitFor());
            }
            if (line.contains(OperatorBenchmarkProcess.STARTED)) {
                // Keep draining its output, so that it never blocks on a full pipe.
                Thread.ofVirtual().start(() -> output.lines().forEach(ignored -> { }));
                return process;
            }
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
        int children = Children.desired(template).size();
        // Each look lists every kind across the server, foreign objects included: often enough to time
        // within a quarter second, not so often that the looking slows the mock server the operator uses.
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250))
                .until(() -> children(prefix) >= (long) count * children);
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

    private static long rssMib(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(line -> line.startsWith("VmRSS:"))
                .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024).findFirst().orElse(-1L);
    }
}
