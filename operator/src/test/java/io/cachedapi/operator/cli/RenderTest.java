package io.cachedapi.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RenderTest {

    @Test
    void renderPrintsEveryChildAsMultiDocumentYamlThatParsesBack() {
        String yaml = Render.yaml(Render.read(Path.of("../manifests/samples/cachedapi.yaml")));

        List<HasMetadata> objects = Arrays.stream(yaml.split("(?m)^---\\n")).filter(doc -> !doc.isBlank())
                .map(doc -> (HasMetadata) Serialization.unmarshal(doc)).toList();
        assertThat(objects).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
                .contains("StatefulSet/shop-pg", "StatefulSet/shop-redis", "Service/shop-pg-rw", "Service/shop-pg-ro",
                        "Deployment/shop-api");
        Deployment api = (Deployment) objects.stream().filter(o -> o instanceof Deployment).findFirst().orElseThrow();
        assertThat(api.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv())
                .anySatisfy(env -> assertThat(env.getValue()).isEqualTo("jdbc:postgresql://shop-pg-rw:5432/app"))
                .anySatisfy(env -> assertThat(env.getValue()).isEqualTo("jdbc:postgresql://shop-pg-ro:5432/app"));
    }
}
