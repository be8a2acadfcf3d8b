package io.cachedapi.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * On a cluster shared with others, the operator watches only what it made: every watch of a kind its
 * children have carries the {@code managed-by} selector (the pg pods' also their component), and each
 * kind has one informer, shared by its dependents. Foreign Secrets and ConfigMaps, in another namespace
 * and in the CachedApi's own, are there all along; the requests the mock API server received are the
 * evidence, since a selector the server applies is what keeps the others out of the operator's memory.
 */
@EnableKubernetesMockClient(crud = true)
class InformerScopeIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Set<String> CHILD_KINDS = Set.of("secrets", "configmaps", "services", "statefulsets",
            "poddisruptionbudgets", "deployments", "pods");
    /** A collection of a kind, all namespaces or one: {@code /api/v1/secrets}, {@code /apis/apps/v1/namespaces/x/deployments}. */
    private static final Pattern COLLECTION = Pattern.compile(
            "^/(?:api/v1|apis/[^/]+/[^/]+)(?:/namespaces/[^/]+)?/([a-z]+)\\?(.*)$");

    static KubernetesClient client;
    static KubernetesMockServer server;

    @Test
    void everyWatchOfAChildKindSelectsTheOperatorsOwnObjectsWithOneInformerPerKind() throws Exception {
        for (String namespace : List.of("other-team", "shop")) {
            for (int i = 0; i < 50; i++) {
                client.secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata()
                        .withName("foreign-" + i).addToLabels("app", "other").endMetadata()
                        .addToStringData("key", "value").build()).create();
                client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata()
                        .withName("foreign-" + i).endMetadata().addToData("key", "value").build()).create();
            }
        }
        Operator operator = MockServerOperator.start(client, new FakeProbes());
        try {
            CachedApi api = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
            api.getMetadata().setNamespace("shop");
            client.resource(api).create();
            await().atMost(WAIT).until(() -> client.apps().deployments().inNamespace("shop").withName("shop-api").get() != null
                    && client.policy().v1().podDisruptionBudget().inNamespace("shop").withName("shop-api").get() != null);
        } finally {
            operator.stop();
        }

        List<Watch> watches = watchesOfChildKinds();
        assertThat(watches.stream().map(Watch::kind).collect(Collectors.toSet())).as("kinds watched")
                .isEqualTo(CHILD_KINDS);
        assertThat(watches).allSatisfy(watch -> {
            assertThat(watch.selector()).as(watch.toString()).contains("app.kubernetes.io/managed-by=cachedapi-operator");
            if (watch.kind().equals("pods")) {
                assertThat(watch.selector()).as(watch.toString()).contains("app.kubernetes.io/component=postgres");
            }
        });
        Map<String, Set<String>> streamsByKind = watches.stream().collect(Collectors.groupingBy(Watch::kind,
                Collectors.mapping(Watch::stream, Collectors.toSet())));
        assertThat(streamsByKind).as("distinct watches (path and selector) of each kind: one informer each")
                .allSatisfy((kind, streams) -> assertThat(streams).as(kind).hasSize(1));
    }

    private record Watch(String kind, String path, String selector) {
        String stream() {
            return path + "?" + selector;
        }
    }

    /** Every watch request of a child kind the mock server received so far. */
    private static List<Watch> watchesOfChildKinds() throws InterruptedException {
        var watches = new ArrayList<Watch>();
        RecordedRequest request;
        while ((request = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
            Matcher collection = COLLECTION.matcher(request.getPath());
            if (!"GET".equals(request.getMethod()) || !collection.matches() || !CHILD_KINDS.contains(collection.group(1))) {
                continue;
            }
            Map<String, String> query = Arrays.stream(collection.group(2).split("&"))
                    .map(pair -> pair.split("=", 2))
                    .collect(Collectors.toMap(pair -> pair[0],
                            pair -> pair.length > 1 ? URLDecoder.decode(pair[1], StandardCharsets.UTF_8) : "",
                            (first, second) -> first));
            if ("true".equals(query.get("watch"))) {
                watches.add(new Watch(collection.group(1), request.getPath().substring(0, request.getPath().indexOf('?')),
                        query.getOrDefault("labelSelector", "")));
            }
        }
        return watches;
    }
}
