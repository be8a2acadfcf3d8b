package io.cachedapi.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events on the mock API server: a repeat is counted on the Event already there, as Kubernetes' recorder does. */
@EnableKubernetesMockClient(crud = true)
class EventsIT {

    static KubernetesClient client;

    @Test
    void aRepeatedEventIsCountedAndADifferentOneIsRecordedApart() {
        CachedApi api = new CachedApi();
        api.setMetadata(new ObjectMetaBuilder().withName("shop").withNamespace("events").withUid("uid-1").build());
        Instant first = Instant.parse("2026-11-28T08:00:00Z");

        Events.record(client, api, false, "ApplyFailed", "the cluster refused it", first);
        Events.record(client, api, false, "ApplyFailed", "the cluster refused it", first.plusSeconds(30));
        Events.record(client, api, false, "ApplyFailed", "the cluster refused it", first.plusSeconds(60));
        Events.record(client, api, true, "Promoted", "shop-pg-1 is the primary", first.plusSeconds(61));

        List<Event> events = client.v1().events().inNamespace("events").list().getItems();
        assertThat(events).hasSize(2);
        Event refused = events.stream().filter(event -> event.getReason().equals("ApplyFailed")).findFirst().orElseThrow();
        assertThat(refused.getCount()).isEqualTo(3);
        assertThat(refused.getFirstTimestamp()).isEqualTo("2026-11-28T08:00:00Z");
        assertThat(refused.getLastTimestamp()).isEqualTo("2026-11-28T08:01:00Z");
        assertThat(refused.getMetadata().getName()).startsWith("shop.");
        assertThat(events).filteredOn(event -> event.getReason().equals("Promoted")).singleElement()
                .satisfies(event -> assertThat(event.getCount()).isEqualTo(1));

        // An Event that expired (deleted by the API server) is recorded again, from a count of one.
        client.v1().events().inNamespace("events").withName(refused.getMetadata().getName()).delete();
        Events.record(client, api, false, "ApplyFailed", "the cluster refused it", first.plusSeconds(3600));
        assertThat(client.v1().events().inNamespace("events").list().getItems())
                .filteredOn(event -> event.getReason().equals("ApplyFailed")).singleElement()
                .satisfies(event -> assertThat(event.getCount()).isEqualTo(1));
    }
}
