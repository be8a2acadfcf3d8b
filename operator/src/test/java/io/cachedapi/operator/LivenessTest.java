package io.cachedapi.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Liveness fails only when the informers stay unhealthy longer than the grace, without a break. */
class LivenessTest {

    private Instant now = Instant.parse("2026-11-28T08:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void aReconnectingWatchIsNotDeathButInformersUnhealthyBeyondTheGraceAre() {
        var informersHealthy = new AtomicBoolean(true);
        var liveness = new Liveness(informersHealthy::get, Duration.ofMinutes(2), clock);
        assertThat(liveness.getAsBoolean()).isTrue();

        informersHealthy.set(false);                       // a watch reconnects
        assertThat(liveness.getAsBoolean()).isTrue();
        now = now.plusSeconds(90);
        assertThat(liveness.getAsBoolean()).isTrue();
        informersHealthy.set(true);                        // it did
        assertThat(liveness.getAsBoolean()).isTrue();

        informersHealthy.set(false);                       // the grace starts again at the first look
        assertThat(liveness.getAsBoolean()).isTrue();
        now = now.plusSeconds(120);
        assertThat(liveness.getAsBoolean()).as("unhealthy for exactly the grace").isTrue();
        now = now.plusSeconds(1);
        assertThat(liveness.getAsBoolean()).as("unhealthy for longer than the grace").isFalse();
        informersHealthy.set(true);
        assertThat(liveness.getAsBoolean()).isTrue();
    }
}
