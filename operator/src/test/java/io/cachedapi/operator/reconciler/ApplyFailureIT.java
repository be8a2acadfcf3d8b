package io.cachedapi.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiStatus;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API server refuses a child: the user is told, in the status and an Event, with the server's own
 * words, and the operator keeps trying at its re-check period. The refusal is an admission webhook's
 * (a policy on image registries) when the spec changes the PostgreSQL image; the mock server only
 * stores objects, so the test makes it answer so.
 */
@EnableKubernetesMockClient(crud = true)
class ApplyFailureIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NAMESPACE = "refused";
    private static final String REFUSAL = "admission webhook \"images.policy.example.com\" denied the request:"
            + " image registry.example.com/postgres:17 is not from an allowed registry";

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
    void aRefusedChildShowsInReadyAndAnEventAndTheOperatorKeepsTryingAtItsRecheckPeriod() {
        CachedApi api = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
        api.getMetadata().setNamespace(NAMESPACE);
        client.resource(api).create();
        await().atMost(WAIT).until(() -> client.apps().statefulSets().inNamespace(NAMESPACE).withName("shop-pg").get() != null);

        var refusals = new AtomicInteger();
        String path = "/apis/apps/v1/namespaces/" + NAMESPACE + "/statefulsets/shop-pg";
        server.expect().put().withPath(path).andReply(403, request -> refuse(refusals)).always();
        server.expect().patch().withPath(path).andReply(403, request -> refuse(refusals)).always();
        client.resources(CachedApi.class).inNamespace(NAMESPACE).withName("shop")
                .edit(edited -> {
                    edited.getSpec().getPostgres().setImage("registry.example.com/postgres:17");
                    return edited;
                });

        await().atMost(WAIT).untilAsserted(() -> {
            CachedApiStatus status = client.resources(CachedApi.class).inNamespace(NAMESPACE).withName("shop").get().getStatus();
            assertThat(status).isNotNull();
            assertThat(status.getConditions()).filteredOn(c -> c.getType().equals("Ready")).singleElement()
                    .satisfies(ready -> {
                        assertThat(ready.getStatus()).isEqualTo("False");
                        assertThat(ready.getReason()).isEqualTo(StatusCalculator.APPLY_FAILED);
                        assertThat(ready.getMessage()).contains(REFUSAL).contains("Change the spec back");
                    });
        });
        assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
                .anySatisfy(event -> {
                    assertThat(event.getReason()).isEqualTo(StatusCalculator.APPLY_FAILED);
                    assertThat(event.getType()).isEqualTo("Warning");
                    assertThat(event.getMessage()).contains(REFUSAL);
                });

        // Nothing changes any more, yet the operator goes on trying, once per re-check.
        int seen = refusals.get();
        await().atMost(WAIT).until(() -> refusals.get() >= seen + 3);
    }

    private static Status refuse(AtomicInteger refusals) {
        refusals.incrementAndGet();
        return new StatusBuilder().withKind("Status").withApiVersion("v1").withStatus("Failure").withReason("Forbidden")
                .withCode(403).withMessage(REFUSAL).build();
    }
}
