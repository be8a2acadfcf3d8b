package io.cachedapi.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.crd.CachedApiSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import org.junit.jupiter.api.Test;

class SpecValidationTest {

    @Test
    void theDefaultsAreValid() {
        assertThat(SpecValidation.problems(new CachedApiSpec())).isEmpty();
    }

    @Test
    void eachProblemNamesItsFieldAndWhatToDo() {
        var spec = new CachedApiSpec();
        spec.getPostgres().getParameters().put("primary_conninfo", "host=elsewhere");
        spec.getPostgres().getParameters().put("Bad Name", "1");
        spec.getPostgres().getParameters().put("work_mem", "4MB\ninclude '/etc/passwd'");
        spec.getCache().setTtl("40ms");
        spec.getRedis().setMaxMemory("99999999999gb");
        spec.getApi().setResources(new ResourceRequirementsBuilder()
                .addToRequests("memory", new Quantity("1Gi")).addToLimits("memory", new Quantity("512Mi")).build());

        assertThat(SpecValidation.problems(spec)).containsExactlyInAnyOrder(
                "spec.postgres.parameters.primary_conninfo is set by the operator (replication depends on it); remove it",
                "spec.postgres.parameters: 'Bad Name' is not a PostgreSQL parameter name",
                "spec.postgres.parameters.work_mem must be a single-line value",
                "spec.cache.timeout (50ms) must be shorter than spec.cache.ttl (40ms)",
                "spec.redis.maxMemory (99999999999gb) is above 1024gb",
                "spec.api.resources: the memory request (1Gi) is above its limit (512Mi)");
    }
}
