package io.cachedapi.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.cli.Render;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Both sides of the wiring contract: what the operator writes on API pods is exactly what the service reads. */
class WiringContractTest {

    private static final Path SERVICE_CONFIGURATION = Path.of("../service/src/main/resources/application.yaml");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(CACHEDAPI_[A-Z_]+)");

    @Test
    void theOperatorWritesExactlyTheVariablesTheServiceReads() throws Exception {
        Set<String> written = ApiDeployment.build(Render.read(Path.of("../manifests/samples/cachedapi.yaml")))
                .getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv().stream()
                .map(EnvVar::getName).filter(name -> name.startsWith("CACHEDAPI_")).collect(Collectors.toSet());
        Set<String> read = PLACEHOLDER.matcher(Files.readString(SERVICE_CONFIGURATION)).results()
                .map(match -> match.group(1)).collect(Collectors.toSet());

        assertThat(read).as("variables the service reads").isNotEmpty();
        assertThat(written).isEqualTo(read);
    }
}
