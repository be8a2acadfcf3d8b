package io.cachedapi.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiStatus;
import io.cachedapi.operator.resources.ApiDeployment;
import io.cachedapi.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The running operator against fabric8's mock API server in CRUD mode. The mock server has no
 * controllers (no pods appear, no garbage collection) and no server-side apply, so the test creates
 * the pods and workload statuses a cluster would, and the operator runs with SSA off here only.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorIT {

    private static final java.util.concurrent.atomic.AtomicInteger namespaceS = new java.util.concurrent.atomic.AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(30);

    static KubernetesClient client;

    private final FakeProbes probes = new FakeProbes();
    private Operator operator;
    /** The mock server garbage-collects nothing: each test works in a namespace of its own. */
    private String namespace;

    @BeforeEach
    void startOperator() {
        namespace = "shop-" + namespaceS.incrementAndGet();
        operator = MockServerOperator.start(client, probes);
    }

    @AfterEach
    void stopOperator() {
        operator.stop();
    }

    @Test
    void createMakesEveryChildOwnedByTheResourceWithTheExactWiring() {
        CachedApi api = create("../manifests/samples/cachedapi.yaml");

        List<String> expected = List.of("Secret/shop-pg-credentials", "Secret/shop-redis-credentials",
                "ConfigMap/shop-pg-config", "ConfigMap/shop-topology", "Service/shop-pg", "Service/shop-pg-rw",
                "Service/shop-pg-ro", "StatefulSet/shop-pg", "PodDisruptionBudget/shop-pg", "Service/shop-redis",
                "StatefulSet/shop-redis", "Service/shop-api", "Deployment/shop-api", "PodDisruptionBudget/shop-api");
        await().atMost(WAIT).untilAsserted(() -> assertThat(children()).containsAll(expected));

        for (HasMetadata child : childObjects()) {
            if (child.getMetadata().getName().endsWith("-credentials")) {
                assertThat(child.getMetadata().getOwnerReferences()).as(child.getMetadata().getName()
                        + ": outlives the CachedApi, as the volumes do").isNullOrEmpty();
                continue;
            }
            assertThat(child.getMetadata().getOwnerReferences()).as(child.getMetadata().getName()).singleElement()
                    .satisfies(owner -> {
                        assertThat(owner.getUid()).isEqualTo(api.getMetadata().getUid());
                        assertThat(owner.getKind()).isEqualTo("CachedApi");
                        assertThat(owner.getController()).isTrue();
                    });
        }
        Map<String, EnvVar> env = apiEnv();
        assertThat(env.get("CACHEDAPI_DB_WRITE_URL").getValue()).isEqualTo("jdbc:postgresql://shop-pg-rw:5432/app");
        assertThat(env.get("CACHEDAPI_DB_READ_URL").getValue()).isEqualTo("jdbc:postgresql://shop-pg-ro:5432/app");
        assertThat(env.get("CACHEDAPI_DB_PASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("shop-pg-credentials");
        assertThat(env.get("CACHEDAPI_REDIS_PASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("shop-redis-credentials");
        assertThat(env.get("CACHEDAPI_INSTANCE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");

        await().atMost(WAIT).untilAsserted(() -> {
            CachedApiStatus status = current().getStatus();
            assertThat(status.getPhase()).isEqualTo(CachedApiStatus.Phase.Provisioning);
            assertThat(condition(status, "Ready").getStatus()).isEqualTo("False");
        });
    }

    @Test
    void conditionsTurnReadyAsThePodsAndTheProbeDoAndARogueReplicaIsReported() {
        create("../manifests/samples/cachedapi.yaml");
        await().atMost(WAIT).until(() -> statefulSet("shop-pg") != null && deployment() != null);

        runPod("shop-pg-0", "10.1.0.10");
        runPod("shop-pg-1", "10.1.0.11");
        markReady(statefulSet("shop-redis"));
        markApiReady(2);

        await().atMost(WAIT).untilAsserted(() -> {
            CachedApiStatus status = current().getStatus();
            assertThat(status.getPhase()).isEqualTo(CachedApiStatus.Phase.Ready);
            assertThat(status.getConditions()).extracting(Condition::getType, Condition::getStatus).containsOnly(
                    org.assertj.core.groups.Tuple.tuple("Ready", "True"),
                    org.assertj.core.groups.Tuple.tuple("PrimaryReady", "True"),
                    org.assertj.core.groups.Tuple.tuple("ReplicationHealthy", "True"),
                    org.assertj.core.groups.Tuple.tuple("RedisReady", "True"),
                    org.assertj.core.groups.Tuple.tuple("ApiAvailable", "True"));
            assertThat(status.getPrimary()).isEqualTo("shop-pg-0");
            assertThat(status.getReplicas()).singleElement().satisfies(replica -> {
                assertThat(replica.pod()).isEqualTo("shop-pg-1");
                assertThat(replica.inRecovery()).isTrue();
                assertThat(replica.walReceiver()).isEqualTo("streaming");
            });
            assertThat(status.getApi().getReadyReplicas()).isEqualTo(2);
            assertThat(role("shop-pg-0")).contains("primary");
            assertThat(role("shop-pg-1")).contains("replica");
        });
        assertThat(probes.lastUser()).isEqualTo("postgres");
        assertThat(probes.lastPassword()).as("the probe logs in with the generated superuser password")
                .isEqualTo(secretValue("shop-pg-credentials", "superuser-password"));

        probes.replicaNotInRecovery("shop-pg-1");
        // No Kubernetes object changes: only the periodic re-check can notice.
        await().atMost(WAIT).untilAsserted(() -> {
            CachedApiStatus status = current().getStatus();
            Condition replication = condition(status, "ReplicationHealthy");
            assertThat(replication.getStatus()).isEqualTo("False");
            assertThat(replication.getReason()).isEqualTo("ReplicaNotInRecovery");
            assertThat(replication.getMessage()).contains("shop-pg-1").contains("pg_is_in_recovery() = false");
            assertThat(status.getPhase()).isEqualTo(CachedApiStatus.Phase.Degraded);
            assertThat(Optional.ofNullable(client.pods().inNamespace(namespace).withName("shop-pg-1").get())
                    .flatMap(pod -> Optional.ofNullable(pod.getMetadata().getLabels().get(Labels.ROLE))))
                    .as("no Service may route to it").isEmpty();
            assertThat(client.v1().events().inNamespace(namespace).list().getItems())
                    .anySatisfy(event -> {
                        assertThat(event.getReason()).isEqualTo("ReplicaNotInRecovery");
                        assertThat(event.getType()).isEqualTo("Warning");
                        assertThat(event.getInvolvedObject().getName()).isEqualTo("shop");
                    })
                    .as("its pod is deleted, so that it rejoins at its next start")
                    .anySatisfy(event -> assertThat(event.getReason()).isEqualTo("SecondPrimaryStopped"));
        });
    }

    @Test
    void specChangesReachTheChildrenAndSecretsStayTheSame() {
        create("../manifests/samples/cachedapi.yaml");
        await().atMost(WAIT).until(() -> deployment() != null && statefulSet("shop-redis") != null);
        String appPassword = secretValue("shop-pg-credentials", "app-password");
        String redisPassword = secretValue("shop-redis-credentials", "password");
        String hash = deployment().getSpec().getTemplate().getMetadata().getAnnotations().get(ApiDeployment.CONFIG_HASH);

        patchSpec("""
                {"api": {"replicas": 4, "image": "registry.example/cachedapi-service:2"},
                 "cache": {"ttl": "30s"}, "redis": {"maxMemory": "128mb"}, "postgres": {"replicas": 2}}""");

        await().atMost(WAIT).untilAsserted(() -> {
            Deployment deployment = deployment();
            assertThat(deployment.getSpec().getReplicas()).isEqualTo(4);
            assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage())
                    .isEqualTo("registry.example/cachedapi-service:2");
            assertThat(apiEnv().get("CACHEDAPI_CACHE_TTL").getValue()).isEqualTo("30s");
            assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations().get(ApiDeployment.CONFIG_HASH))
                    .as("the pods roll").isNotEqualTo(hash);
            assertThat(String.join(" ", statefulSet("shop-redis").getSpec().getTemplate().getSpec().getContainers()
                    .getFirst().getCommand())).contains("--maxmemory 128mb");
            assertThat(statefulSet("shop-pg").getSpec().getReplicas()).isEqualTo(3);
        });
        assertThat(secretValue("shop-pg-credentials", "app-password")).isEqualTo(appPassword);
        assertThat(secretValue("shop-redis-credentials", "password")).isEqualTo(redisPassword);
    }

    @Test
    void scalingTheResourceScalesTheApiDeployment() {
        create("../manifests/samples/cachedapi.yaml");
        await().atMost(WAIT).until(() -> deployment() != null);

        // kubectl scale goes through the scale subresource, which the CRD maps to .spec.api.replicas
        // (CrdFileTest); the mock server does not serve /scale for custom resources, so the test
        // writes that field as the API server would.
        patchSpec("{\"api\": {\"replicas\": 5}}");

        await().atMost(WAIT).untilAsserted(() -> assertThat(deployment().getSpec().getReplicas()).isEqualTo(5));
        await().atMost(WAIT).untilAsserted(() -> assertThat(current().getStatus().getApi().getSelector())
                .isEqualTo("app.kubernetes.io/name=cachedapi,app.kubernetes.io/instance=shop,app.kubernetes.io/component=api"));
    }

    @Test
    void aSemanticallyInvalidSpecIsReportedAndNothingIsCreated() {
        CachedApi api = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
        api.getMetadata().setNamespace(namespace);
        api.getSpec().getPostgres().getParameters().put("wal_level", "minimal");
        api.getSpec().getCache().setTimeout("2m");
        client.resource(api).create();

        await().atMost(WAIT).untilAsserted(() -> {
            CachedApiStatus status = current().getStatus();
            assertThat(status).isNotNull();
            Condition ready = condition(status, "Ready");
            assertThat(ready.getStatus()).isEqualTo("False");
            assertThat(ready.getReason()).isEqualTo("InvalidSpec");
            assertThat(ready.getMessage())
                    .contains("spec.postgres.parameters.wal_level is set by the operator")
                    .contains("spec.cache.timeout (2m) must be shorter than spec.cache.ttl (60s)");
            assertThat(status.getPhase()).isEqualTo(CachedApiStatus.Phase.Pending);
        });
        assertThat(children()).isEmpty();
    }

    /**
     * Deleted and made again on the same volumes, a CachedApi must find the passwords its data was made
     * with: the credentials Secrets are nobody's children (the mock server collects no garbage; on a
     * cluster the owned children would go, the Secrets and the volumes stay).
     */
    @Test
    void aCachedApiMadeAgainKeepsThePasswordsOfTheDataItFinds() {
        create("../manifests/samples/cachedapi.yaml");
        await().atMost(WAIT).until(() -> deployment() != null);
        String superuser = secretValue("shop-pg-credentials", "superuser-password");
        String redis = secretValue("shop-redis-credentials", "password");

        client.resources(CachedApi.class).inNamespace(namespace).withName("shop").delete();
        await().atMost(WAIT).until(() -> current() == null);
        for (HasMetadata child : childObjects()) {   // what the garbage collector would do
            if (!child.getMetadata().getName().endsWith("-credentials")) {
                client.resource(child).delete();
            }
        }
        await().atMost(WAIT).until(() -> children().stream().allMatch(child -> child.endsWith("-credentials")));

        create("../manifests/samples/cachedapi.yaml");
        // the first reconcile's status: a Secret it failed to create would make it ApplyFailed
        await().atMost(WAIT).untilAsserted(() -> assertThat(current().getStatus().getConditions())
                .filteredOn(c -> c.getType().equals("Ready")).singleElement()
                .satisfies(ready -> assertThat(ready.getReason()).as("no refusal: the Secrets were adopted")
                        .isNotEqualTo("ApplyFailed")));
        await().atMost(WAIT).until(() -> deployment() != null);
        assertThat(secretValue("shop-pg-credentials", "superuser-password")).isEqualTo(superuser);
        assertThat(secretValue("shop-redis-credentials", "password")).isEqualTo(redis);
    }

    private CachedApi create(String sample) {
        CachedApi api = Render.read(Path.of(sample));
        api.getMetadata().setNamespace(namespace);
        return client.resource(api).create();
    }

    /** A JSON merge patch of the spec, like {@code kubectl patch --type merge} (no resourceVersion, no conflict). */
    private void patchSpec(String spec) {
        client.resources(CachedApi.class).inNamespace(namespace).withName("shop").patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"spec\": " + spec + "}");
    }

    private CachedApi current() {
        return client.resources(CachedApi.class).inNamespace(namespace).withName("shop").get();
    }

    private List<HasMetadata> childObjects() {
        var objects = new java.util.ArrayList<HasMetadata>();
        objects.addAll(client.secrets().inNamespace(namespace).list().getItems());
        objects.addAll(client.configMaps().inNamespace(namespace).list().getItems());
        objects.addAll(client.services().inNamespace(namespace).list().getItems());
        objects.addAll(client.apps().statefulSets().inNamespace(namespace).list().getItems());
        objects.addAll(client.apps().deployments().inNamespace(namespace).list().getItems());
        objects.addAll(client.policy().v1().podDisruptionBudget().inNamespace(namespace).list().getItems());
        return objects;
    }

    private List<String> children() {
        return childObjects().stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
    }

    private Deployment deployment() {
        return client.apps().deployments().inNamespace(namespace).withName("shop-api").get();
    }

    private StatefulSet statefulSet(String name) {
        return client.apps().statefulSets().inNamespace(namespace).withName(name).get();
    }

    private Map<String, EnvVar> apiEnv() {
        return deployment().getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv().stream()
                .collect(Collectors.toMap(EnvVar::getName, env -> env));
    }

    private String secretValue(String secret, String key) {
        Secret found = client.secrets().inNamespace(namespace).withName(secret).get();
        if (found.getData() != null && found.getData().containsKey(key)) {
            return new String(java.util.Base64.getDecoder().decode(found.getData().get(key)));
        }
        return found.getStringData().get(key);
    }

    /** A pod the StatefulSet controller would have made, running with an IP. */
    private void runPod(String name, String ip) {
        CachedApi api = current();
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(new java.util.HashMap<>(Labels.of(api, Labels.POSTGRES))).endMetadata()
                .withNewSpec().addNewContainer().withName("postgres").withImage("postgres:16").endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).endStatus()
                .build();
        client.pods().resource(pod).create();
    }

    private Optional<String> role(String pod) {
        return Optional.ofNullable(client.pods().inNamespace(namespace).withName(pod).get().getMetadata().getLabels()
                .get(Labels.ROLE));
    }

    private void markReady(StatefulSet statefulSet) {
        client.apps().statefulSets().inNamespace(namespace).withName(statefulSet.getMetadata().getName())
                .editStatus(sts -> {
                    sts.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder()
                            .withReplicas(1).withReadyReplicas(1).build());
                    return sts;
                });
    }

    private void markApiReady(int ready) {
        client.apps().deployments().inNamespace(namespace).withName("shop-api").editStatus(deployment -> {
            deployment.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
                    .withReplicas(ready).withReadyReplicas(ready).withAvailableReplicas(ready).build());
            return deployment;
        });
    }

    private static Condition condition(CachedApiStatus status, String type) {
        return status.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " condition in " + status.getConditions()));
    }
}
