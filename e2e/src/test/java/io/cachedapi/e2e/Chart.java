package io.cachedapi.e2e;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The operator's Helm chart, rendered and linted through helm-java (Helm's own Go code, no binary needed). */
final class Chart {

    static final Path DIRECTORY = Path.of("../helm/cachedapi-operator");
    static final String RELEASE = "cachedapi-operator";
    static final String NAMESPACE = "cachedapi-system";
    /** What helm template assumes of the cluster (Helm defaults to an old 1.20, below the chart's kubeVersion). */
    static final String KUBE_VERSION = "1.31.0";

    /** Each toggle of values.yaml worth rendering on its own, as --set pairs. */
    static final Map<String, Map<String, Object>> TOGGLES = Map.of(
            "watchNamespaces", Map.of("watchNamespaces[0]", "shop", "watchNamespaces[1]", "blog"),
            "watchNamespacesNoNodes", Map.of("watchNamespaces[0]", "shop", "watchNamespaces[1]", "blog",
                    "readNodes", false),
            "noLeaderElection", Map.of("leaderElection.enabled", false),
            "noMetrics", Map.of("metrics.enabled", false),
            "serviceMonitor", Map.of("metrics.serviceMonitor.enabled", true),
            "existingServiceAccount", Map.of("serviceAccount.create", false, "serviceAccount.name", "ops"),
            "replicas", Map.of("replicaCount", 2, "logLevel", "debug"));

    private Chart() {
    }

    /** {@code helm template} of the chart, CRDs included, with these values set. */
    static String template(Map<String, Object> values) {
        var template = new Helm(DIRECTORY).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        values.forEach(template::set);
        return template.call();
    }

    static List<HasMetadata> objects(String rendered) {
        return documents(rendered).map(doc -> (HasMetadata) Serialization.unmarshal(doc)).toList();
    }

    static Stream<String> documents(String rendered) {
        return Arrays.stream(rendered.split("(?m)^---\\s*$")).filter(doc -> doc.lines()
                .anyMatch(line -> !line.isBlank() && !line.startsWith("#")));
    }

    /** A copy of the chart whose values.yaml has {@code extraValues} appended, for linting a toggle. */
    static Path copyWithValues(Path target, String extraValues) {
        try (Stream<Path> files = Files.walk(DIRECTORY)) {
            for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
                Path copy = target.resolve(DIRECTORY.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(file, copy);
                }
            }
            Path values = target.resolve("values.yaml");
            Files.writeString(values, Files.readString(values) + "\n" + extraValues);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
