package io.cachedapi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiStatus;
import io.cachedapi.operator.resources.ApiDeployment;
import io.cachedapi.operator.resources.ApiService;
import io.cachedapi.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The end-to-end suite on a real cluster (the kube context named by {@code -Dcachedapi.kubeContext},
 * else the current one; e2e/run.sh prepares a kind cluster with the operator installed and
 * manifests/samples/cachedapi.yaml applied, and names its context). The tests run in
 * order, as a user's session would.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KindEndToEndIT {

    private static final String NAME = "shop";
    private static final String NAMESPACE = System.getProperty("cachedapi.namespace", "default");
    private static final Duration READY = Duration.ofMinutes(10);
    private static final Duration CHANGE = Duration.ofMinutes(5);

    private static KubernetesClient client;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void connect() {
        // e2e/run.sh names the context of the cluster it created; nothing else is ever touched
        Config config = Config.autoConfigure(System.getProperty("cachedapi.kubeContext"));
        config.setRequestRetryBackoffLimit(1);   // an absent cluster is reported at once, not after retries
        client = new KubernetesClientBuilder().withConfig(config).build();
        try {
            client.getKubernetesVersion();
        } catch (RuntimeException unreachable) {
            client.close();
            String needs = "KindEndToEndIT skipped: it needs a reachable Kubernetes cluster with the operator installed "
                    + "and manifests/samples/cachedapi.yaml applied; run e2e/run.sh (docker, kind, kubectl, helm). "
                    + "The current kube context answered: " + unreachable.getMessage();
            System.err.println(needs);   // surefire reports an aborted class as 0 tests: say why where it is seen
            Assumptions.abort(needs);
        }
    }

    @AfterAll
    static void close() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    @Order(1)
    void theCachedApiBecomesReady() {
        await().atMost(READY).pollInterval(Duration.ofSeconds(5)).untilAsserted(() -> {
            CachedApiStatus status = cachedApi().getStatus();
            assertThat(status).isNotNull();
            assertThat(status.getPhase()).as(String.valueOf(status.getConditions())).isEqualTo(CachedApiStatus.Phase.Ready);
        });
    }

    @Test
    @Order(2)
    void theReplicaPodIsInRecoveryAndStatusShowsItStreaming() throws Exception {
        String answer = exec(NAME + "-pg-1", "postgres", "sh", "-c",
                "PGPASSWORD=\"$(cat /etc/cachedapi/pg-credentials/superuser-password)\" "
                        + "psql -h /var/run/postgresql -U postgres -tAc 'select pg_is_in_recovery()'");
        assertThat(answer.strip()).isEqualTo("t");
        assertThat(cachedApi().getStatus().getReplicas()).singleElement().satisfies(replica -> {
            assertThat(replica.inRecovery()).isTrue();
            assertThat(replica.walReceiver()).isEqualTo("streaming");
        });
        assertThat(pod(NAME + "-pg-1").getMetadata().getLabels()).containsEntry(Labels.ROLE, Labels.REPLICA);
        assertThat(pod(NAME + "-pg-0").getMetadata().getLabels()).containsEntry(Labels.ROLE, Labels.PRIMARY);
    }

    @Test
    @Order(3)
    void readsAreCachedAndAWriteInvalidates() throws Exception {
        try (LocalPortForward forward = forwardApi()) {
            String api = "http://127.0.0.1:" + forward.getLocalPort();
            assertThat(get(api + "/users").body()).contains("\"cached\":false");
            assertThat(get(api + "/users").body()).contains("\"cached\":true");

            HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create(api + "/users"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Kind\",\"email\":\"kind@example.com\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).isEqualTo(201);
            HttpResponse<String> afterWrite = get(api + "/users");
            assertThat(afterWrite.body()).contains("\"cached\":false").contains("kind@example.com");
        }
    }

    @Test
    @Order(4)
    void deletingTheRedisPodKeepsTheApiAnswering() throws Exception {
        try (LocalPortForward forward = forwardApi()) {
            String api = "http://127.0.0.1:" + forward.getLocalPort();
            client.pods().inNamespace(NAMESPACE).withName(NAME + "-redis-0").delete();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < until) {
                assertThat(get(api + "/users").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    @Order(5)
    void scalingTheCachedApiChangesTheApiPodCount() {
        client.resources(CachedApi.class).inNamespace(NAMESPACE).withName(NAME).scale(3);
        await().atMost(CHANGE).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(apiPods()).hasSize(3).allSatisfy(pod -> assertThat(pod.getStatus().getPhase()).isEqualTo("Running")));
    }

    @Test
    @Order(6)
    void changingTheCacheTtlRollsTheApiPods() {
        List<String> before = apiPods().stream().map(pod -> pod.getMetadata().getName()).toList();
        String hash = apiPods().getFirst().getMetadata().getAnnotations().get(ApiDeployment.CONFIG_HASH);
        client.resources(CachedApi.class).inNamespace(NAMESPACE).withName(NAME)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"cache\":{\"ttl\":\"30s\"}}}");
        await().atMost(CHANGE).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(apiPods())
                .isNotEmpty()
                .allSatisfy(pod -> {
                    assertThat(before).doesNotContain(pod.getMetadata().getName());
                    assertThat(pod.getMetadata().getAnnotations().get(ApiDeployment.CONFIG_HASH)).isNotEqualTo(hash);
                }));
    }

    @Test
    @Order(7)
    void deletingTheCachedApiRemovesItsChildren() {
        client.resources(CachedApi.class).inNamespace(NAMESPACE).withName(NAME).delete();
        Map<String, String> ours = Map.of(Labels.INSTANCE, NAME, Labels.NAME, "cachedapi");
        await().atMost(CHANGE).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            assertThat(client.apps().statefulSets().inNamespace(NAMESPACE).withLabels(ours).list().getItems()).isEmpty();
            assertThat(client.apps().deployments().inNamespace(NAMESPACE).withLabels(ours).list().getItems()).isEmpty();
            assertThat(client.services().inNamespace(NAMESPACE).withLabels(ours).list().getItems()).isEmpty();
            assertThat(client.secrets().inNamespace(NAMESPACE).withLabels(ours).list().getItems()).isEmpty();
            assertThat(client.configMaps().inNamespace(NAMESPACE).withLabels(ours).list().getItems()).isEmpty();
        });
    }

    private static CachedApi cachedApi() {
        return client.resources(CachedApi.class).inNamespace(NAMESPACE).withName(NAME).get();
    }

    private static Pod pod(String name) {
        return client.pods().inNamespace(NAMESPACE).withName(name).get();
    }

    private static List<Pod> apiPods() {
        return client.pods().inNamespace(NAMESPACE).withLabels(Map.of(Labels.INSTANCE, NAME, Labels.COMPONENT, Labels.API))
                .list().getItems().stream().filter(pod -> pod.getMetadata().getDeletionTimestamp() == null).toList();
    }

    /**
     * Like {@code kubectl port-forward service/shop-api}: to a ready pod behind the API Service, on the
     * container port the Service's (named) target port resolves to.
     */
    private static LocalPortForward forwardApi() {
        Service service = client.services().inNamespace(NAMESPACE).withName(NAME + "-api").get();
        Pod pod = apiPods().stream().filter(KindEndToEndIT::isReady).findFirst()
                .orElseThrow(() -> new AssertionError("no ready API pod to forward to"));
        int port = ServiceTargetPort.resolve(service, ApiService.PORT, pod.getSpec());
        return client.pods().inNamespace(NAMESPACE).withName(pod.getMetadata().getName()).portForward(port);
    }

    private static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions().stream()
                .anyMatch(condition -> "Ready".equals(condition.getType()) && "True".equals(condition.getStatus()));
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String exec(String pod, String container, String... command) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try (ExecWatch watch = client.pods().inNamespace(NAMESPACE).withName(pod).inContainer(container)
                .writingOutput(out).writingError(err).exec(command)) {
            Integer exit = watch.exitCode().get(60, TimeUnit.SECONDS);
            assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
