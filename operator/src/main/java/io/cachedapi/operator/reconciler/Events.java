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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on the CachedApi ({@code kubectl describe} shows them): one for each condition that
 * changed, and the lifecycle's steps (failover, promotion) with what they measured. Like Kubernetes'
 * own recorder, an Event that repeats (same object, type, reason and message) is not created again:
 * the one already recorded gets {@code count + 1} and a new {@code lastTimestamp}, so a problem that
 * recurs every re-check shows as one line with its count. Event names are {@code <object>.<hex nanos>},
 * as the recorder names them.
 */
public final class Events {

    private static final Logger log = LoggerFactory.getLogger(Events.class);
    /** How many distinct Events are remembered for counting repeats (the recorder keeps 4096). */
    private static final int REMEMBERED = 4096;
    /** The name of the Event recorded last for each (object, type, reason, message), oldest forgotten first. */
    private static final Map<String, String> recorded = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > REMEMBERED;
                }
            });

    private Events() {
    }

    static void record(KubernetesClient client, CachedApi api, Condition transition, Instant now) {
        record(client, api, "True".equals(transition.getStatus()), transition.getReason(),
                transition.getType() + "=" + transition.getStatus() + ": " + transition.getMessage(), now);
    }

    /** An Event of type Normal ({@code normal}) or Warning, with a reason a person can search for. */
    public static void record(KubernetesClient client, CachedApi api, boolean normal, String reason, String message,
                              Instant now) {
        String type = normal ? "Normal" : "Warning";
        String namespace = api.getMetadata().getNamespace();
        String key = String.join("\u0000", namespace, api.getMetadata().getName(), api.getMetadata().getUid(), type,
                reason, message);
        String time = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        try {
            String earlier = recorded.get(key);
            if (earlier != null && countAgain(client, namespace, earlier, time)) {
                return;
            }
            String name = api.getMetadata().getName() + "." + Long.toHexString(
                    now.getEpochSecond() * 1_000_000_000L + now.getNano() + ThreadLocalRandom.current().nextInt(1000));
            Event event = new EventBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder()
                            .withApiVersion(api.getApiVersion())
                            .withKind(api.getKind())
                            .withName(api.getMetadata().getName())
                            .withNamespace(namespace)
                            .withUid(api.getMetadata().getUid())
                            .build())
                    .withType(type)
                    .withReason(reason)
                    .withMessage(message)
                    .withFirstTimestamp(time)
                    .withLastTimestamp(time)
                    .withCount(1)
                    .withNewSource().withComponent("cachedapi-operator").endSource()
                    .build();
            client.v1().events().inNamespace(namespace).resource(event).create();
            recorded.put(key, name);
        } catch (KubernetesClientException e) {
            // An Event is a courtesy; the status already says the same.
            log.warn("cannot record event for {}: {}", api.getMetadata().getName(), e.getMessage());
        }
    }

    /** Counts a repeat on the Event recorded before; false when it is gone (Events expire after an hour). */
    private static boolean countAgain(KubernetesClient client, String namespace, String name, String time) {
        try {
            client.v1().events().inNamespace(namespace).withName(name).edit(event -> {
                event.setCount(event.getCount() == null ? 2 : event.getCount() + 1);
                event.setLastTimestamp(time);
                return event;
            });
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        }
    }
}
