package io.cachedapi.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The chart lints strictly and renders, with its defaults and with each toggle, into objects Kubernetes accepts. */
class ChartTest {

    private static final Path INSTALL_YAML = Path.of("../manifests/install.yaml");
    private static final String CRD_FILE = "cachedapis.cachedapi.io-v1.yml";

    static Stream<Arguments> toggles() {
        return Chart.TOGGLES.entrySet().stream().map(toggle -> Arguments.of(toggle.getKey(), toggle.getValue()));
    }

    @Test
    void lintsStrictlyWithDefaultValues() {
        LintResult lint = new Helm(Chart.DIRECTORY).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toggles")
    void lintsStrictlyWithEachToggle(String name, Map<String, Object> values, @TempDir Path copy) {
        LintResult lint = new Helm(Chart.copyWithValues(copy, Yaml.of(values))).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @Test
    void defaultsRenderClusterWideRbacTheOperatorAndItsMetricsService() {
        List<HasMetadata> objects = Chart.objects(Chart.template(Map.of()));
        assertThat(objects).extracting(o -> o.getKind() + "/" + o.getMetadata().getName()).containsExactlyInAnyOrder(
                "ServiceAccount/cachedapi-operator",
                "ClusterRole/cachedapi-operator", "ClusterRoleBinding/cachedapi-operator",
                "ClusterRole/cachedapi-operator-nodes", "ClusterRoleBinding/cachedapi-operator-nodes",
                "Role/cachedapi-operator-leader-election", "RoleBinding/cachedapi-operator-leader-election",
                "Deployment/cachedapi-operator", "Service/cachedapi-operator-metrics");
        Deployment operator = find(objects, Deployment.class);
        var pod = operator.getSpec().getTemplate().getSpec();
        var container = pod.getContainers().getFirst();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(container.getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("LEADER_ELECTION_NAMESPACE");
            assertThat(env.getValue()).isEqualTo(Chart.NAMESPACE);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toggles")
    void everyRenderedObjectParsesStrictlyIntoItsKubernetesType(String name, Map<String, Object> values) {
        for (HasMetadata object : Chart.objects(Chart.template(values))) {
            if (object instanceof GenericKubernetesResource generic) {
                assertThat(generic.getKind()).as("only the optional ServiceMonitor has no built-in type")
                        .isEqualTo("ServiceMonitor");
                continue;
            }
            assertThat(StrictModel.unknownFields(object)).as(object.getKind() + " " + object.getMetadata().getName())
                    .isEmpty();
        }
    }

    @Test
    void watchedNamespacesGetRolesAndNothingClusterWideButTheReadingOfNodes() {
        List<HasMetadata> objects = Chart.objects(Chart.template(Chart.TOGGLES.get("watchNamespaces")));
        assertThat(objects).filteredOn(o -> o instanceof ClusterRole).extracting(o -> o.getMetadata().getName())
                .containsExactly("cachedapi-operator-nodes");
        assertThat(Chart.objects(Chart.template(Chart.TOGGLES.get("watchNamespacesNoNodes"))))
                .noneMatch(o -> o instanceof ClusterRole || o instanceof ClusterRoleBinding);
        assertThat(objects).filteredOn(o -> o instanceof Role && o.getMetadata().getName().equals("cachedapi-operator"))
                .extracting(o -> o.getMetadata().getNamespace()).containsExactlyInAnyOrder("shop", "blog");
        assertThat(find(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv())
                .anySatisfy(env -> assertThat(env.getValue()).isEqualTo("shop,blog"));
    }

    @Test
    void theChartCarriesTheSameCrdAsCrds() throws Exception {
        assertThat(Files.readString(Chart.DIRECTORY.resolve("crds").resolve(CRD_FILE)))
                .as("helm/cachedapi-operator/crds/%s differs from crds/: run `make crds`", CRD_FILE)
                .isEqualTo(Files.readString(Path.of("../crds", CRD_FILE)));
    }

    @Test
    void installYamlIsTheChartRenderedWithDefaults() throws Exception {
        String rendered = InstallManifest.render();
        if (Boolean.getBoolean("cachedapi.update")) {
            Files.writeString(INSTALL_YAML, rendered);
        }
        assertThat(Files.readString(INSTALL_YAML)).as("manifests/install.yaml is stale: run `make manifests`")
                .isEqualTo(rendered);
        assertThat(Chart.objects(rendered)).extracting(HasMetadata::getKind)
                .startsWith("CustomResourceDefinition").contains("ClusterRole", "Deployment");
    }

    private static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }
}
