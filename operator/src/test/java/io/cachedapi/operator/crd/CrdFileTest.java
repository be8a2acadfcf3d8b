package io.cachedapi.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed CRD is the one the Java classes generate, finished by {@link CrdFile} (make crds refreshes it). */
class CrdFileTest {

    private static final Path COMMITTED = Path.of("../crds", CrdFile.NAME);

    @Test
    void committedCrdIsUpToDate() throws Exception {
        assertThat(Files.readString(COMMITTED))
                .as("crds/%s is stale: run `make crds` and commit the result", CrdFile.NAME)
                .isEqualTo(CrdFile.finished());
    }

    @Test
    void theCrdHasStatusAndScaleSubresourcesAndPrinterColumns() throws Exception {
        var crd = Serialization.unmarshal(Files.readString(COMMITTED), CustomResourceDefinition.class);
        var version = crd.getSpec().getVersions().getFirst();
        assertThat(version.getName()).isEqualTo("v1alpha1");
        assertThat(version.getSubresources().getStatus()).isNotNull();
        assertThat(version.getSubresources().getScale().getSpecReplicasPath()).isEqualTo(".spec.api.replicas");
        assertThat(version.getSubresources().getScale().getStatusReplicasPath()).isEqualTo(".status.api.replicas");
        assertThat(version.getSubresources().getScale().getLabelSelectorPath()).isEqualTo(".status.api.selector");
        assertThat(version.getAdditionalPrinterColumns()).extracting(column -> column.getName())
                .containsExactly("Phase", "Primary", "Replication", "API", "Age");
        assertThat(crd.getSpec().getNames().getCategories()).containsExactly("cachedapi");
        var root = version.getSchema().getOpenAPIV3Schema();
        assertThat(root.getDescription()).as("kubectl explain cachedapi").isNotBlank();
        assertThat(root.getProperties().get("spec").getDescription()).as("kubectl explain cachedapi.spec").isNotBlank();
        assertThat(root.getProperties().get("status").getDescription()).as("kubectl explain cachedapi.status").isNotBlank();
        var spec = root.getProperties().get("spec").getProperties();
        assertThat(spec.get("postgres").getProperties().get("replicas").getMaximum()).isEqualTo(5.0);
        assertThat(spec.get("redis").getProperties().get("maxMemoryPolicy").getEnum()).hasSize(8);
        assertThat(spec.get("cache").getProperties().get("ttl").getPattern()).isNotBlank();
    }

    /** spec: {} must come back from the API server with every default, spec.api.replicas included (for /scale). */
    @Test
    void everyObjectOfTheSpecHasADefaultSoSpecEmptyGetsEveryLeafDefault() throws Exception {
        var crd = Serialization.unmarshal(Files.readString(COMMITTED), CustomResourceDefinition.class);
        var spec = crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties().get("spec");
        for (String part : new String[]{"api", "postgres", "redis", "cache"}) {
            var value = spec.getProperties().get(part).getDefault();
            assertThat(value != null && value.isObject()).as(part + " has an object as default").isTrue();
        }
        for (String part : new String[]{"postgres", "redis"}) {
            assertThat(spec.getProperties().get(part).getProperties().get("storage").getDefault()).as(part + ".storage")
                    .isNotNull();
        }
        assertThat(spec.getProperties().get("api").getDefault().get("replicas").asInt()).as("spec: {} gets api.replicas")
                .isEqualTo(2);
    }

    @Test
    void conditionsAreTypedAsKubernetesOwn() throws Exception {
        var crd = Serialization.unmarshal(Files.readString(COMMITTED), CustomResourceDefinition.class);
        var condition = crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties()
                .get("status").getProperties().get("conditions").getItems().getSchema();
        assertThat(condition.getRequired()).containsExactlyInAnyOrder("type", "status", "lastTransitionTime", "reason",
                "message");
        assertThat(condition.getProperties().get("status").getEnum()).extracting(Object::toString)
                .containsExactlyInAnyOrder("\"True\"", "\"False\"", "\"Unknown\"");
        assertThat(condition.getProperties().get("lastTransitionTime").getFormat()).isEqualTo("date-time");
        assertThat(condition.getProperties().get("reason").getPattern()).isNotBlank();
        var conditions = crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties()
                .get("status").getProperties().get("conditions");
        assertThat(conditions.getXKubernetesListType()).isEqualTo("map");
        assertThat(conditions.getXKubernetesListMapKeys()).containsExactly("type");
    }
}
