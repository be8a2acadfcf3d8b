package io.cachedapi.operator.liveloop;

import static io.cachedapi.operator.liveloop.LiveLoop.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.crd.CachedApiStatus;
import io.cachedapi.operator.liveloop.SteadyWriter.Attempt;
import io.cachedapi.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Losing the primary, on the live loop: a writer goes on through {@code shop-pg-rw} while the primary
 * is killed (SIGKILL), hung (SIGSTOP) or loses its volume. The operator must promote a replica within
 * the failover delay and a few seconds, {@code -rw} must never lead to two primaries, the old primary
 * must come back as a replica of the new one, and with synchronous replication no acknowledged write
 * may be lost (without it, the loss is counted and reported).
 */
@EnableKubernetesMockClient(crud = true)
class FailoverIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    /**
     * failoverDelay (the default 2 s) plus detection, promotion and reconnection, with room for a busy
     * machine. A hung primary holds the write in flight until the writer's own timeout (5 s).
     */
    private static final Duration NEW_PRIMARY_WITHIN = Duration.ofSeconds(12);
    private static final String OLD = "shop-pg-0";

    static KubernetesClient client;

    private LiveLoop loop;
    private LiveCluster cluster;
    private final AtomicInteger mostPrimaryLabels = new AtomicInteger();
    private SharedIndexInformer<Pod> labelWatch;

    private static final AtomicInteger runs = new AtomicInteger();
    /** The mock server deletes nothing for us: each test works in a namespace of its own. */
    private String namespace;

    @BeforeEach
    void start() {
        namespace = "failover-" + runs.incrementAndGet();
        loop = LiveLoop.start(client, namespace);
        cluster = loop.cluster();
    }

    @AfterEach
    void stop() {
        if (labelWatch != null) {
            labelWatch.close();
        }
        loop.close();
    }

    /**
     * A killed postgres whose pod restarts at once (kubelet) is back before the failover delay: a crash
     * recovery, not a failover. What must be failed over is a primary that stays away: its node lost.
     */
    @Test
    void aKilledPrimaryIsReplacedWithoutLosingAnAcknowledgedWriteAndRejoinsByRewind() throws Exception {
        Outcome outcome = loseThePrimary(true, () -> cluster.loseNode(OLD));

        assertThat(outcome.lost()).as("acknowledged writes missing on the new primary (synchronous)").isEmpty();
        await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.logTail(OLD)).contains("rejoining " + outcome.newPrimary()));
    }

    @Test
    void withoutSynchronousReplicationTheWritesAFailoverLosesAreCountedAndReported() throws Exception {
        Outcome outcome = loseThePrimary(false, () -> cluster.loseNode(OLD));

        System.out.printf("failover (asynchronous): %d of %d acknowledged writes lost%n", outcome.lost().size(),
                outcome.acknowledged());
        assertThat(outcome.lost()).as("only writes acknowledged before the primary was gone can be lost")
                .allSatisfy(attempt -> assertThat(attempt.end()).isBefore(outcome.gone()));
    }

    @Test
    void aHungPrimaryIsReplacedAndOnceResumedTakesNoWriteThroughReadWrite() throws Exception {
        var frozen = new AtomicReference<Runnable>();
        Outcome outcome = loseThePrimary(true, () -> frozen.set(cluster.freeze(OLD)), () -> frozen.get().run());   // resumed once the new primary is named, while its pod is stopping

        assertThat(outcome.writer().acknowledgedAfter(outcome.promoted())).as("writes after the old primary resumed")
                .isNotEmpty().extracting(attempt -> attempt.server().get())
                .as("every write after the resume went to the new primary").containsOnly(outcome.newPrimaryAddress());
        assertThat(outcome.lost()).isEmpty();
    }

    @Test
    void aPrimaryThatLostItsVolumeIsReplacedByAPromotionNeverByAnEmptyPrimary() throws Exception {
        Outcome outcome = loseThePrimary(true, () -> cluster.replaceDisk(OLD));

        assertThat(outcome.lost()).isEmpty();
        await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.logTail(OLD)).contains("cloning"));
        try (Connection oldPod = loop.connect(cluster.podAddress(OLD), "app")) {
            assertThat(single(oldPod, "select count(*) from writes")).as("pod 0 was cloned, not initialised")
                    .isNotEqualTo("0");
        }
        assertThat(loop.current().getStatus().getBootstrapped()).isTrue();
    }

    /**
     * A spec the operator cannot apply (a parameter the server's catalogue refuses) must not keep it
     * from replacing a lost primary: the children wait for a fix, the data plane does not.
     */
    @Test
    void aPrimaryIsReplacedWhileTheSpecCannotBeApplied() throws Exception {
        var readyWhenPromoted = new AtomicReference<String>();
        Outcome outcome = loseThePrimary(true, () -> {
            loop.edit(api -> api.getSpec().getPostgres().getParameters().put("shared_buffers", "lots"));
            await().atMost(WAIT).untilAsserted(() -> {
                var ready = LiveLoop.condition(loop.current().getStatus(), "Ready");
                assertThat(ready.getReason()).isEqualTo("InvalidSpec");
                assertThat(ready.getMessage()).contains("spec.postgres.parameters.shared_buffers: 'lots' is not a number");
            });
        }, () -> cluster.loseNode(OLD), () -> {
            readyWhenPromoted.set(LiveLoop.condition(loop.current().getStatus(), "Ready").getReason());
            loop.edit(api -> api.getSpec().getPostgres().getParameters().remove("shared_buffers"));   // fixed at last
        });

        assertThat(readyWhenPromoted.get()).as("the spec was still invalid when the replica was promoted")
                .isEqualTo("InvalidSpec");
        assertThat(outcome.lost()).isEmpty();
    }

    /** What losing the primary came to. */
    /** {@code killed}: when the fault began; {@code gone}: when it was done (the primary dead or hung). */
    private record Outcome(SteadyWriter writer, Instant killed, Instant gone, Instant promoted, String newPrimary,
                           String newPrimaryAddress, int acknowledged, List<Attempt> lost) {
    }

    /**
     * Brings up a primary and two replicas, writes through -rw all along, loses the primary as
     * {@code fault} says, and checks what every failover must give: a new primary soon, -rw never
     * leading to two primaries, the old primary back as a replica of the new one, and the history
     * compared with what the new primary holds.
     */
    private Outcome loseThePrimary(boolean synchronous, Fault fault) throws Exception {
        return loseThePrimary(synchronous, fault, () -> { });
    }

    private Outcome loseThePrimary(boolean synchronous, Fault fault, Runnable onceReplaced) throws Exception {
        return loseThePrimary(synchronous, () -> { }, fault, onceReplaced);
    }

    private Outcome loseThePrimary(boolean synchronous, Runnable beforeFault, Fault fault, Runnable onceReplaced)
            throws Exception {
        loop.create(2, api -> api.getSpec().getPostgres().setSynchronous(synchronous));
        await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified(OLD));
        if (synchronous) {
            try (Connection primary = loop.connect(cluster.address("shop-pg-rw"), "postgres")) {
                await().atMost(WAIT).until(() -> single(primary, "show synchronous_standby_names").equals("ANY 1 (*)"));
            }
        }
        watchPrimaryLabels();
        String oldAddress = cluster.podAddress(OLD).getAddress().getHostAddress();
        SteadyWriter writer = SteadyWriter.start(loop);
        await().atMost(WAIT).until(() -> writer.acknowledgedAfter(Instant.EPOCH).size() >= 20);

        beforeFault.run();
        Instant killed = Instant.now();
        fault.inject();
        Instant gone = Instant.now();

        await().atMost(WAIT).untilAsserted(() -> assertThat(writer.firstElsewhereAfter(killed, oldAddress))
                .as("a write accepted elsewhere than the lost primary" + loop.diagnostics()).isPresent());
        Attempt first = writer.firstElsewhereAfter(killed, oldAddress).orElseThrow();
        Duration gap = Duration.between(killed, first.end());
        System.out.printf("failover: first write accepted on the new primary %d ms after the fault%n", gap.toMillis());
        assertThat(gap).as("time to the first write on the new primary" + loop.diagnostics())
                .isLessThanOrEqualTo(NEW_PRIMARY_WITHIN);

        await().atMost(WAIT).untilAsserted(() -> assertThat(loop.current().getStatus().getPrimary())
                .as(loop::diagnostics).isNotNull().isNotEqualTo(OLD));
        String newPrimary = loop.current().getStatus().getPrimary();
        Instant promoted = Instant.now();
        onceReplaced.run();
        await().atMost(WAIT).untilAsserted(() -> {
            loop.assertReplicationVerified(newPrimary);
            assertThat(loop.current().getStatus().getPhase()).isEqualTo(CachedApiStatus.Phase.Ready);
        });
        await().atMost(WAIT).until(() -> writer.acknowledgedAfter(Instant.now().minusSeconds(1)).size() >= 5);
        writer.close();

        assertThat(mostPrimaryLabels.get()).as("pods labelled primary at once, at most").isLessThanOrEqualTo(1);
        assertThat(writer.history().stream().filter(Attempt::acknowledged)
                .filter(attempt -> attempt.start().isAfter(first.end()))
                .map(attempt -> attempt.server().get())).as("no write reached the old primary after the new one took one")
                .containsOnly(first.server().get());
        assertThat(loop.events("Promoted")).singleElement()
                .satisfies(event -> assertThat(event.getMessage()).startsWith(newPrimary + " is the primary"));

        int acknowledged = (int) writer.history().stream().filter(Attempt::acknowledged).count();
        List<Attempt> lost = writer.lost();
        return new Outcome(writer, killed, gone, promoted, newPrimary, first.server().get(), acknowledged, lost);
    }

    /** Counts the pods labelled primary after every change of any pod: never two at once. */
    private void watchPrimaryLabels() {
        labelWatch = client.pods().inNamespace(namespace).runnableInformer(0);
        labelWatch.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                count();
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                count();
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                count();
            }

            private void count() {
                int primaries = (int) labelWatch.getStore().list().stream()
                        .filter(pod -> Labels.PRIMARY.equals(pod.getMetadata().getLabels().get(Labels.ROLE))).count();
                mostPrimaryLabels.accumulateAndGet(primaries, Math::max);
            }
        });
        labelWatch.run();
    }

    @FunctionalInterface
    private interface Fault {
        void inject() throws SQLException;
    }
}
