package io.cachedapi.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A storage size changed in the spec, on the mock API server (which, unlike a real one, would accept
 * the changed volume claim template: the test checks the operator does not rely on that). Growing
 * expands each claim and makes the StatefulSet again with the new size, its uid new; a claim the cluster
 * will not expand (the test makes the server answer as for a storage class without expansion) is
 * reported with the server's words and nothing else changes; shrinking is refused as a spec problem.
 */
@EnableKubernetesMockClient(crud = true)
class VolumeExpansionIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NAMESPACE = "volumes";
    private static final String NOT_EXPANDABLE = "only dynamically provisioned pvc can be resized and the storageclass"
            + " that provisions the pvc must support resize";

    static KubernetesClient client;
    static KubernetesMockServer server;

    private Operator operator;

    @BeforeEach
    void startOperator() {
        operator = MockServerOperator.start(client, new FakeProbes());
    }

    @AfterEach
    void stopOperator() {
        operator.stop();
    }

    @Test
    void growingExpandsTheClaimsAndRemakesTheSetRefusalsAndShrinkingAreReported() {
        CachedApi api = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
        api.getMetadata().setNamespace(NAMESPACE);
        client.resource(api).create();
        await().atMost(WAIT).until(() -> statefulSet() != null);
        String firstUid = statefulSet().getMetadata().getUid();
        for (int ordinal = 0; ordinal < 2; ordinal++) {   // what the StatefulSet controller would have made
            client.persistentVolumeClaims().inNamespace(NAMESPACE).resource(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName("data-shop-pg-" + ordinal).withLabels(Map.of(
                            "app.kubernetes.io/name", "cachedapi", "app.kubernetes.io/instance", "shop",
                            "app.kubernetes.io/component", "postgres")).endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                    .addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();
        }

        edit(edited -> edited.getSpec().getPostgres().getStorage().setSize("2Gi"));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(claimSize("data-shop-pg-0")).isEqualTo(new Quantity("2Gi"));
            assertThat(claimSize("data-shop-pg-1")).isEqualTo(new Quantity("2Gi"));
            StatefulSet set = statefulSet();
            assertThat(set).isNotNull();
            assertThat(set.getMetadata().getUid()).as("made again").isNotEqualTo(firstUid);
            assertThat(set.getSpec().getVolumeClaimTemplates().getFirst().getSpec().getResources().getRequests()
                    .get("storage")).isEqualTo(new Quantity("2Gi"));
        });
        assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
                .anySatisfy(event -> assertThat(event.getReason()).isEqualTo("VolumesExpanded"));

        server.expect().patch().withPath("/api/v1/namespaces/" + NAMESPACE + "/persistentvolumeclaims/data-shop-pg-0")
                .andReturn(403, new StatusBuilder().withKind("Status").withApiVersion("v1").withStatus("Failure")
                        .withReason("Forbidden").withCode(403).withMessage("persistentvolumeclaims \"data-shop-pg-0\""
                                + " is forbidden: " + NOT_EXPANDABLE).build()).always();
        String secondUid = statefulSet().getMetadata().getUid();
        edit(edited -> edited.getSpec().getPostgres().getStorage().setSize("3Gi"));
        await().atMost(WAIT).untilAsserted(() -> {
            Condition ready = ready();
            assertThat(ready.getReason()).isEqualTo("ApplyFailed");
            assertThat(ready.getMessage()).contains("spec.postgres.storage.size").contains(NOT_EXPANDABLE)
                    .contains("Set it back to 2Gi");
        });
        assertThat(statefulSet().getMetadata().getUid()).as("the set stays").isEqualTo(secondUid);
        assertThat(claimSize("data-shop-pg-0")).isEqualTo(new Quantity("2Gi"));

        edit(edited -> edited.getSpec().getPostgres().getStorage().setSize("1Gi"));
        await().atMost(WAIT).untilAsserted(() -> {
            Condition ready = ready();
            assertThat(ready.getReason()).isEqualTo("InvalidSpec");
            assertThat(ready.getMessage()).contains("spec.postgres.storage.size (1Gi) is smaller than the volumes there"
                    + " are (2Gi)");
        });
    }

    private void edit(Consumer<CachedApi> change) {
        client.resources(CachedApi.class).inNamespace(NAMESPACE).withName("shop").edit(api -> {
            change.accept(api);
            return api;
        });
    }

    private Condition ready() {
        CachedApiStatus status = client.resources(CachedApi.class).inNamespace(NAMESPACE).withName("shop").get().getStatus();
        return status.getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    }

    private StatefulSet statefulSet() {
        return client.apps().statefulSets().inNamespace(NAMESPACE).withName("shop-pg").get();
    }

    private Quantity claimSize(String name) {
        return client.persistentVolumeClaims().inNamespace(NAMESPACE).withName(name).get().getSpec().getResources()
                .getRequests().get("storage");
    }
}
