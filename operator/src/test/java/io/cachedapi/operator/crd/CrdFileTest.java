package io.cachedapi.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed CRD is the one the Java classes generate (make crds refreshes it). */
class CrdFileTest {

    private static final String FILE = "cachedapis.cachedapi.io-v1.yml";
    private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8", FILE);
    private static final Path COMMITTED = Path.of("../crds", FILE);

    @Test
    void committedCrdIsUpToDate() throws Exception {
        assertThat(Files.readString(COMMITTED))
                .as("crds/%s is stale: run `make crds` and commit the result", FILE)
                .isEqualTo(Files.readString(GENERATED));
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
                .contains("Phase", "Replication", "API-Ready", "API-Desired", "Age");
        var spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getProperties();
        assertThat(spec.get("postgres").getProperties().get("replicas").getMaximum()).isEqualTo(5.0);
        assertThat(spec.get("redis").getProperties().get("maxMemoryPolicy").getEnum()).hasSize(8);
        assertThat(spec.get("cache").getProperties().get("ttl").getPattern()).isNotBlank();
    }
}
