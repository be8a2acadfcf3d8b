package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on the CachedApi ({@code kubectl describe} shows them): one for each condition that
 * changed, and the lifecycle's steps (failover, promotion) with what they measured.
 */
public final class Events {

    private static final Logger log = LoggerFactory.getLogger(Events.class);

    private Events() {
    }

    static void record(KubernetesClient client, CachedApi api, Condition transition, Instant now) {
        record(client, api, "True".equals(transition.getStatus()), transition.getReason(),
                transition.getType() + "=" + transition.getStatus() + ": " + transition.getMessage(), now);
    }

    /** An Event of type Normal ({@code normal}) or Warning, with a reason a person can search for. */
    public static void record(KubernetesClient client, CachedApi api, boolean normal, String reason, String message,
                              Instant now) {
        String time = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        Event event = new EventBuilder()
                .withNewMetadata()
                .withName(api.getMetadata().getName() + "." + Long.toHexString(now.toEpochMilli())
                        + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000)))
                .withNamespace(api.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(api.getApiVersion())
                        .withKind(api.getKind())
                        .withName(api.getMetadata().getName())
                        .withNamespace(api.getMetadata().getNamespace())
                        .withUid(api.getMetadata().getUid())
                        .build())
                .withType(normal ? "Normal" : "Warning")
                .withReason(reason)
                .withMessage(message)
                .withFirstTimestamp(time)
                .withLastTimestamp(time)
                .withCount(1)
                .withNewSource().withComponent("cachedapi-operator").endSource()
                .build();
        try {
            client.v1().events().inNamespace(api.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            // An Event is a courtesy; the status already says the same.
            log.warn("cannot record event for {}: {}", api.getMetadata().getName(), e.getMessage());
        }
    }
}
