package io.cachedapi.operator.cli;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.reconciler.SpecValidation;
import io.cachedapi.operator.resources.Children;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code render -f cachedapi.yaml}: every object the operator would create for a CachedApi, as
 * multi-document YAML, with no cluster. Passwords are freshly generated, as on first creation.
 */
public final class Render {

    private Render() {
    }

    public static CachedApi read(Path manifest) {
        try (InputStream in = Files.newInputStream(manifest)) {
            CachedApi api = Serialization.unmarshal(in, CachedApi.class);
            if (api == null || api.getMetadata() == null || api.getMetadata().getName() == null) {
                throw new IllegalArgumentException(manifest + " is not a CachedApi with a metadata.name");
            }
            if (api.getMetadata().getNamespace() == null) {
                api.getMetadata().setNamespace("default");
            }
            List<String> problems = SpecValidation.problems(api.getSpec());
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(manifest + ": " + String.join("; ", problems));
            }
            return api;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + manifest + ": " + e.getMessage(), e);
        }
    }

    public static String yaml(CachedApi api) {
        return Children.desired(api).stream()
                .map(Render::document)
                .collect(Collectors.joining());
    }

    private static String document(HasMetadata object) {
        String yaml = Serialization.asYaml(object);
        return yaml.startsWith("---") ? yaml : "---\n" + yaml;
    }
}
