package io.cachedapi.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CRD's CEL rules (x-kubernetes-validations), compiled and evaluated with Google's CEL for Java,
 * as the API server evaluates them: {@code self} is the object the rule sits on, {@code oldSelf} its
 * value before an update. Each rule is tried on what it must accept and what it must refuse.
 */
class CrdValidationRulesTest {

    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)   // has(), all(), exists(), as the API server has
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .build();

    private final Map<String, ValidationRule> rules = rules();

    @Test
    void theCrdHasExactlyTheseRules() {
        assertThat(rules).containsOnlyKeys("spec.cache", "spec.postgres.database", "spec.postgres.storage",
                "spec.redis.storage");
        assertThat(rules.values()).allSatisfy(rule -> assertThat(rule.getMessage()).isNotBlank());
    }

    @Test
    void theCacheTimeoutMustBeShorterThanItsTtl() throws Exception {
        String rule = rules.get("spec.cache").getRule();
        assertThat(holds(rule, Map.of("ttl", "60s", "timeout", "50ms"), null)).isTrue();
        assertThat(holds(rule, Map.of("ttl", "5m", "timeout", "2s"), null)).isTrue();
        assertThat(holds(rule, Map.of("ttl", "1s", "timeout", "2s"), null)).isFalse();
        assertThat(holds(rule, Map.of("ttl", "1s", "timeout", "1000ms"), null)).isFalse();
    }

    @Test
    void theDatabaseCannotBeRenamed() throws Exception {
        String rule = rules.get("spec.postgres.database").getRule();
        assertThat(holds(rule, "app", "app")).isTrue();
        assertThat(holds(rule, "shop", "app")).isFalse();
    }

    @Test
    void aStorageClassCannotBeSetChangedOrRemovedWhileTheSizeMayChange() throws Exception {
        for (String path : new String[]{"spec.postgres.storage", "spec.redis.storage"}) {
            String rule = rules.get(path).getRule();
            assertThat(holds(rule, Map.of("size", "2Gi"), Map.of("size", "1Gi"))).as(path).isTrue();
            assertThat(holds(rule, Map.of("size", "1Gi", "storageClassName", "fast"),
                    Map.of("size", "1Gi", "storageClassName", "fast"))).as(path).isTrue();
            assertThat(holds(rule, Map.of("size", "1Gi", "storageClassName", "fast"),
                    Map.of("size", "1Gi", "storageClassName", "slow"))).as(path).isFalse();
            assertThat(holds(rule, Map.of("size", "1Gi", "storageClassName", "fast"), Map.of("size", "1Gi")))
                    .as(path).isFalse();
            assertThat(holds(rule, Map.of("size", "1Gi"), Map.of("size", "1Gi", "storageClassName", "fast")))
                    .as(path).isFalse();
        }
    }

    private static boolean holds(String rule, Object self, Object oldSelf) throws Exception {
        var variables = new LinkedHashMap<String, Object>();
        variables.put("self", self);
        if (oldSelf != null) {
            variables.put("oldSelf", oldSelf);
        }
        return (Boolean) CEL.createProgram(CEL.compile(rule).getAst()).eval(variables);
    }

    /** Every rule of the committed CRD, by the dotted path of the schema node it sits on (one per node here). */
    private static Map<String, ValidationRule> rules() {
        try {
            var crd = Serialization.unmarshal(Files.readString(Path.of("../crds", CrdFile.NAME)),
                    CustomResourceDefinition.class);
            var found = new LinkedHashMap<String, ValidationRule>();
            collect("", crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema(), found);
            return found;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void collect(String path, JSONSchemaProps node, Map<String, ValidationRule> found) {
        if (node.getXKubernetesValidations() != null && !node.getXKubernetesValidations().isEmpty()) {
            assertThat(node.getXKubernetesValidations()).as(path).hasSize(1);
            found.put(path, node.getXKubernetesValidations().getFirst());
        }
        if (node.getProperties() != null) {
            node.getProperties().forEach((name, child) -> collect(path.isEmpty() ? name : path + "." + name, child, found));
        }
        if (node.getItems() != null && node.getItems().getSchema() != null) {
            collect(path + "[]", node.getItems().getSchema(), found);
        }
    }
}
