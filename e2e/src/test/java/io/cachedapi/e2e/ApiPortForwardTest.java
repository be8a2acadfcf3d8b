package io.cachedapi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.resources.ApiDeployment;
import io.cachedapi.operator.resources.ApiService;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Service;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The kind suite reaches the API through a port-forward to a pod: the port it forwards to, resolved
 * from the operator's own Service and Deployment, must be the one the API container listens on.
 */
class ApiPortForwardTest {

    private static final Path SAMPLE = Path.of("../manifests/samples/cachedapi.yaml");
    private static final Path SERVICE_CONFIGURATION = Path.of("../service/src/main/resources/application.yaml");

    @Test
    void theApiServicesTargetPortResolvesToThePortTheServiceListensOn() throws IOException {
        CachedApi api = Render.read(SAMPLE);
        Service service = ApiService.build(api);
        PodSpec pod = ApiDeployment.build(api).getSpec().getTemplate().getSpec();

        int forwarded = ServiceTargetPort.resolve(service, ApiService.PORT, pod);

        assertThat(forwarded).isEqualTo(serviceServerPort())
                .as("what fabric8's Service port-forward would have used").isNotEqualTo(ApiService.PORT);
    }

    @Test
    void aTargetPortNoContainerNamesIsAnError() throws IOException {
        Service service = ApiService.build(Render.read(SAMPLE));
        PodSpec unnamed = new PodSpecBuilder().addNewContainer().withName("api")
                .addNewPort().withContainerPort(8080).endPort().endContainer().build();

        assertThatThrownBy(() -> ServiceTargetPort.resolve(service, ApiService.PORT, unnamed))
                .hasMessageContaining("named 'http'");
    }

    /** server.port of the reference service, as its packaged configuration says. */
    private static int serviceServerPort() throws IOException {
        JsonNode port = new YAMLMapper().readTree(SERVICE_CONFIGURATION.toFile()).at("/server/port");
        assertThat(port.isInt()).as("server.port in " + SERVICE_CONFIGURATION).isTrue();
        return port.asInt();
    }
}
