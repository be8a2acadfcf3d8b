package io.cachedapi.operator.crd;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The CRD as {@code crds/} holds it: what fabric8's CRD generator makes of the Java classes (at build
 * time, into the classpath), finished with what the generator cannot say: the printer columns in the
 * order {@link CachedApi} declares them (the generator sorts them by JSON path), descriptions of the
 * resource, its spec and its status (from the classes' {@code @JsonClassDescription}), and the
 * conditions as a map keyed by type, as Kubernetes' own lists of conditions are (so a patch merges them
 * by type).
 */
public final class CrdFile {

    public static final String NAME = "cachedapis.cachedapi.io-v1.yml";
    private static final String GENERATED = "META-INF/fabric8/" + NAME;
    private static final String HEADER = "# Generated from the Java classes in operator/.../crd by `make crds`: do not edit.\n";

    private CrdFile() {
    }

    /** The finished CRD, from the generator's output on the classpath. */
    public static String finished() {
        try (InputStream in = CrdFile.class.getClassLoader().getResourceAsStream(GENERATED)) {
            if (in == null) {
                throw new IllegalStateException(GENERATED + " is not on the classpath: build the operator first");
            }
            return finish(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String finish(String generated) {
        CustomResourceDefinition crd = Serialization.unmarshal(generated, CustomResourceDefinition.class);
        List<String> declared = Arrays.stream(CachedApi.class.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name).toList();
        for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
            version.getAdditionalPrinterColumns().sort(Comparator.comparingInt(
                    (CustomResourceColumnDefinition column) -> declared.indexOf(column.getName())));
            JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
            root.setDescription(description(CachedApi.class));
            root.getProperties().get("spec").setDescription(description(CachedApiSpec.class));
            root.getProperties().get("status").setDescription(description(CachedApiStatus.class));
            JSONSchemaProps conditions = root.getProperties().get("status").getProperties().get("conditions");
            conditions.setXKubernetesListType("map");
            conditions.setXKubernetesListMapKeys(List.of("type"));
        }
        return HEADER + Serialization.asYaml(crd);
    }

    /** {@code kubectl explain} for the resource, its spec and its status: each class's own description. */
    private static String description(Class<?> type) {
        JsonClassDescription description = type.getAnnotation(JsonClassDescription.class);
        if (description == null) {
            throw new IllegalStateException(type.getSimpleName() + " has no @JsonClassDescription");
        }
        return description.value();
    }
}
