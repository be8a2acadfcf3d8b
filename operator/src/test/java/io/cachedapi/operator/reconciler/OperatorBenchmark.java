package io.cachedapi.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The operator benchmark of make bench (not part of make test: its name is no test pattern): time from
 * creating CachedApis to all their children existing on the mock API server, for 1 and for 100, and the
 * operator's memory afterwards. The operator runs in its own JVM ({@link OperatorBenchmarkProcess}) with
 * the memory settings of the chart's container, so that its resident memory is measured alone. Writes
 * bench/results/operator.json.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class OperatorBenchmark {

    private static final int CHILDREN = 14;
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
        Process operator = startOperator();
        try {
            long one = createAndWait(1, "one");
            long hundred = createAndWait(100, "many");
            long rss = rssMib(operator.pid());
            String json = String.format("{%n  \"one_resource_ms\": %d,%n  \"hundred_resources_ms\": %d,%n"
                    + "  \"operator_rss_mib\": %d,%n  \"operator_jvm\": \"%s\"%n}%n",
                    one, hundred, rss, String.join(" ", CONTAINER_JVM_FLAGS));
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
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> children(prefix) >= (long) count * CHILDREN);
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
