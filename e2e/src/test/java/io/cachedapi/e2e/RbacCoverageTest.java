package io.cachedapi.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.reconciler.CachedApiReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The chart grants exactly what the operator's code uses: every kind of its workflow (read from the
 * reconciler's {@code @Workflow}), the kinds it accesses directly, and the CachedApi with its status,
 * with the verbs each needs, and nothing else.
 */
class RbacCoverageTest {

    private static final List<String> WATCH = List.of("get", "list", "watch");

    @Test
    void clusterWideRulesCoverWhatTheOperatorDoesAndNoMore() {
        List<HasMetadata> objects = Chart.objects(Chart.template(Map.of()));
        ClusterRole role = objects.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
                .filter(r -> r.getMetadata().getName().equals("cachedapi-operator")).findFirst().orElseThrow();
        assertGrantsExactly(role.getRules(), required());
    }

    @Test
    void clusterScopedReadsAreGrantedClusterWideInBothModesUnlessTurnedOff() {
        var required = new LinkedHashMap<String, Set<String>>();
        CachedApiReconciler.CLUSTER_READS.forEach((kind, verbs) -> grant(required, resource(kind), verbs));
        for (Map<String, Object> values : List.of(Map.<String, Object>of(), Chart.TOGGLES.get("watchNamespaces"))) {
            ClusterRole role = Chart.objects(Chart.template(values)).stream().filter(ClusterRole.class::isInstance)
                    .map(ClusterRole.class::cast).filter(r -> r.getMetadata().getName().equals("cachedapi-operator-nodes"))
                    .findFirst().orElseThrow();
            assertGrantsExactly(role.getRules(), required);
        }
        assertThat(Chart.objects(Chart.template(Map.of("readNodes", false)))).filteredOn(ClusterRole.class::isInstance)
                .extracting(o -> o.getMetadata().getName()).containsExactly("cachedapi-operator");
    }

    @Test
    void perNamespaceRulesAreTheSame() {
        List<HasMetadata> objects = Chart.objects(Chart.template(Chart.TOGGLES.get("watchNamespaces")));
        List<Role> roles = objects.stream().filter(Role.class::isInstance).map(Role.class::cast)
                .filter(role -> role.getMetadata().getName().equals("cachedapi-operator")).toList();
        assertThat(roles).hasSize(2);
        for (Role role : roles) {
            assertGrantsExactly(role.getRules(), required());
        }
    }

    /** "group/plural" to the verbs the code needs. */
    private static Map<String, Set<String>> required() {
        var required = new LinkedHashMap<String, Set<String>>();
        grant(required, resource(CachedApi.class), List.of("get", "list", "watch"));
        grant(required, resource(CachedApi.class) + "/status", List.of("patch"));
        for (Dependent dependent : CachedApiReconciler.class.getAnnotation(Workflow.class).dependents()) {
            DependentResource<?, ?> instance = instantiate(dependent.type());
            @SuppressWarnings("unchecked")
            Class<? extends HasMetadata> kind = (Class<? extends HasMetadata>) instance.resourceType();
            grant(required, resource(kind), WATCH);
            // Server-side apply creates with a PATCH too, so create-only children need both.
            grant(required, resource(kind), List.of("create", "patch"));
            if (instance instanceof Updater<?, ?>) {
                grant(required, resource(kind), List.of("update"));
            }
        }
        CachedApiReconciler.ALSO_ACCESSED.forEach((kind, verbs) -> grant(required, resource(kind), verbs));
        return required;
    }

    private static void assertGrantsExactly(List<PolicyRule> rules, Map<String, Set<String>> required) {
        var granted = new LinkedHashMap<String, Set<String>>();
        for (PolicyRule rule : rules) {
            assertThat(rule.getVerbs()).doesNotContain("*");
            assertThat(rule.getResources()).doesNotContain("*");
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    grant(granted, group + "/" + resource, rule.getVerbs());
                }
            }
        }
        assertThat(granted.keySet()).as("resources granted").containsExactlyInAnyOrderElementsOf(required.keySet());
        required.forEach((resource, verbs) -> assertThat(granted.get(resource)).as(resource).containsAll(verbs));
        granted.forEach((resource, verbs) -> {
            var extra = new TreeSet<>(verbs);
            extra.removeAll(required.get(resource));
            // update accompanies patch (the non-SSA path); get on a subresource accompanies patch.
            extra.removeAll(List.of("update", "get"));
            assertThat(extra).as("verbs on " + resource + " the operator never uses").isEmpty();
        });
    }

    private static String resource(Class<? extends HasMetadata> kind) {
        return HasMetadata.getGroup(kind) + "/" + HasMetadata.getPlural(kind);
    }

    private static void grant(Map<String, Set<String>> grants, String resource, List<String> verbs) {
        grants.computeIfAbsent(resource, r -> new TreeSet<>()).addAll(new ArrayList<>(verbs));
    }

    private static DependentResource<?, ?> instantiate(Class<? extends DependentResource> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot instantiate " + type, e);
        }
    }
}
