package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The consistency contract under concurrent writers, checked by a {@link History}: writers and readers on
 * two instances sharing Redis, every read checked against the writes acknowledged before it began.
 * {@code -Dconsistency.seconds} lengthens each run (default 6 s).
 */
class ConsistencyIT {

    private static final Duration RUN = Duration.ofSeconds(Long.getLong("consistency.seconds", 6));

    private static TestStack stack;
    private static Workload workload;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        ServiceInstance a = stack.startService("api-a");
        ServiceInstance b = stack.startService("api-b");
        workload = new Workload(List.of(a, b));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void concurrentWritersOnBothInstancesNeverHideAnAcknowledgedWrite() {
        Workload.Result result = workload.run(RUN, 4, 3);
        System.out.println("consistency, plain: " + result);
        assertThat(result.reads()).as("the readers ran").isGreaterThan(100);
        assertThat(result.writes()).as("the writers ran").isGreaterThan(100);
        assertThat(result.violations()).as(result.toString()).isEmpty();
    }
}
