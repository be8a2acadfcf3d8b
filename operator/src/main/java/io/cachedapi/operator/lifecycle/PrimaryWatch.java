package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.observer.PostgresEndpoint;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.polling.PerResourcePollingConfigurationBuilder;
import io.javaoperatorsdk.operator.processing.event.source.polling.PerResourcePollingEventSource;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Asks each CachedApi's primary "are you there?" every {@code period}, between reconciles: a lost
 * primary is noticed within about a period, not at the next full re-check. A change of answer triggers
 * a reconcile (java-operator-sdk's per-resource polling event source), and the start of the first
 * unanswered check is kept as the start of the outage (the question was asked then, and never answered).
 */
public final class PrimaryWatch {

    /**
     * What the last check found; a change of any field triggers a reconcile (a switchover request is an
     * annotation, which does not change the generation the controller otherwise reacts to).
     */
    public record PrimaryAnswer(String pod, boolean answers, String switchoverRequest) {
    }

    private record Target(PostgresEndpoint primary, String user, String password) {
    }

    /** One cluster's watch: what is asked, and since when it has not answered (null: it answers). */
    private record Watched(Target target, Instant silentSince) {
    }

    private final Duration period;
    private final Clock clock;
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();

    public PrimaryWatch(Duration period, Clock clock) {
        this.period = period;
        this.clock = clock;
    }

    /** The event source to register with the controller. */
    public PerResourcePollingEventSource<PrimaryAnswer, CachedApi, String> eventSource(
            EventSourceContext<CachedApi> context) {
        return new PerResourcePollingEventSource<>(PrimaryAnswer.class, context,
                new PerResourcePollingConfigurationBuilder<PrimaryAnswer, CachedApi, String>(this::check, period)
                        .withResourceIDMapper(PrimaryAnswer::pod)
                        .withName("primary-watch")
                        .build());
    }

    /** Which instance to watch for this CachedApi from now on (the reconcile knows it and its credentials). */
    public void watch(CachedApi api, PostgresEndpoint primary, String user, String password) {
        Target next = new Target(primary, user, password);
        watched.compute(api.getMetadata().getUid(), (uid, current) ->
                current != null && current.target().primary().name().equals(primary.name())
                        ? new Watched(next, current.silentSince())
                        : new Watched(next, null));   // another primary: its silence starts afresh
    }

    /** Forgets every CachedApi whose uid is not in {@code existing} (deleted ones). */
    public void retainOnly(Set<String> existing) {
        watched.keySet().retainAll(existing);
    }

    /**
     * Since when {@code primary} has not answered, if the watch is on it and it does not: a silence the
     * watch heard from another pod (the primary before a promotion) says nothing about this one.
     */
    public Optional<Instant> silentSince(CachedApi api, String primary) {
        return Optional.ofNullable(watched.get(api.getMetadata().getUid()))
                .filter(current -> current.target().primary().name().equals(primary))
                .map(Watched::silentSince);
    }

    private Set<PrimaryAnswer> check(CachedApi api) {
        String uid = api.getMetadata().getUid();
        Watched current = watched.get(uid);
        if (current == null) {
            return Set.of();
        }
        Target target = current.target();
        Instant asked = clock.instant();
        boolean answers = answers(target);
        // an answer about a primary no longer watched (the watch moved on meanwhile) changes nothing
        watched.computeIfPresent(uid, (key, latest) -> !latest.target().primary().name().equals(target.primary().name())
                ? latest
                : new Watched(latest.target(), answers ? null
                        : latest.silentSince() != null ? latest.silentSince() : asked));
        return Set.of(new PrimaryAnswer(target.primary().name(), answers, Switchover.requested(api).orElse("")));
    }

    /** A connection and one query within about a period: a hung (SIGSTOPped) server does not answer either. */
    private boolean answers(Target target) {
        try (var connection = target.primary().connect(target.user(), target.password(), period, period,
                "cachedapi-operator-watch");
             var statement = connection.createStatement()) {
            statement.execute("select 1");
            return true;
        } catch (SQLException | RuntimeException e) {
            return false;   // never let a failed check stop the polling of this resource
        }
    }
}
