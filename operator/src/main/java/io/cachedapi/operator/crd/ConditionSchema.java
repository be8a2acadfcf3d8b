package io.cachedapi.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.time.OffsetDateTime;

/**
 * The schema of a status condition, as Kubernetes' own {@code metav1.Condition} declares it (required
 * fields, the status enum, reason's pattern, the timestamp's format). Only the CRD generator reads it
 * ({@link CachedApi} swaps it in for fabric8's untyped Condition); the status itself holds fabric8's.
 */
@SuppressWarnings("unused")
final class ConditionSchema {
    // Public fields: the generator sees what Jackson would serialise.


    @Required
    @Size(max = 316)
    @Pattern("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")
    @JsonPropertyDescription("The aspect this condition is about: Ready, PrimaryReady, ReplicationHealthy, RedisReady or ApiAvailable.")
    public String type;

    @Required
    @JsonPropertyDescription("True, False or Unknown.")
    public Status status;

    @Min(0)
    @JsonPropertyDescription("The spec generation this condition was set from.")
    public Long observedGeneration;

    @Required
    @JsonPropertyDescription("When the status last changed.")
    public OffsetDateTime lastTransitionTime;

    @Required
    @Size(min = 1, max = 1024)
    @Pattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
    @JsonPropertyDescription("Why, in one CamelCase word a program can match.")
    public String reason;

    @Required
    @Size(max = 32768)
    @JsonPropertyDescription("Why, for a person: what is wrong and what to do.")
    public String message;

    enum Status { True, False, Unknown }
}
