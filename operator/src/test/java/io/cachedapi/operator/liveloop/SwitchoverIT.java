package io.cachedapi.operator.liveloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.liveloop.SteadyWriter.Attempt;
import io.cachedapi.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A switchover asked for with an annotation, on the live loop, under a writer through {@code -rw}:
 * the named replica becomes the primary, no acknowledged write is lost, writes are refused only
 * briefly, and the old primary follows the new one.
 */
@EnableKubernetesMockClient(crud = true)
class SwitchoverIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    /** The target is 2 s; the bound leaves room for a busy machine. */
    private static final Duration WRITE_GAP_WITHIN = Duration.ofSeconds(5);

    static KubernetesClient client;

    private static final AtomicInteger runs = new AtomicInteger();

    private LiveLoop loop;
    private LiveCluster cluster;
    /** The mock server deletes nothing for us: each test works in a namespace of its own. */
    private String namespace;

    @BeforeEach
    void start() {
        namespace = "switchover-" + runs.incrementAndGet();
        loop = LiveLoop.start(client, namespace);
        cluster = loop.cluster();
    }

    @AfterEach
    void stop() {
        loop.close();
    }

    @Test
    void theNamedReplicaBecomesThePrimaryLosingNothingAndTheOldOneFollowsIt() throws Exception {
        loop.create(2, api -> api.getSpec().getPostgres().setSynchronous(true));
        await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified("shop-pg-0"));
        SteadyWriter writer = SteadyWriter.start(loop);
        await().atMost(WAIT).until(() -> writer.acknowledgedAfter(Instant.EPOCH).size() >= 20);

        Instant requested = Instant.now();
        client.resources(CachedApi.class).inNamespace(namespace).withName(LiveLoop.NAME)
                .edit(api -> {
                    api.getMetadata().getAnnotations().put("cachedapi.io/switchover-to", "shop-pg-2");
                    return api;
                });

        await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified("shop-pg-2"));
        await().atMost(WAIT).until(() -> writer.acknowledgedAfter(Instant.now().minusSeconds(1)).size() >= 5);
        writer.close();

        List<Attempt> acknowledged = writer.history().stream().filter(Attempt::acknowledged)
                .sorted(Comparator.comparing(Attempt::end)).toList();
        Duration gap = Duration.ZERO;
        for (int i = 1; i < acknowledged.size(); i++) {
            if (acknowledged.get(i).end().isAfter(requested)) {
                Duration between = Duration.between(acknowledged.get(i - 1).end(), acknowledged.get(i).end());
                gap = between.compareTo(gap) > 0 ? between : gap;
            }
        }
        System.out.printf("switchover: longest time without an acknowledged write %d ms%n", gap.toMillis());
        assertThat(gap).as("writes refused during the switchover" + loop.diagnostics())
                .isLessThanOrEqualTo(WRITE_GAP_WITHIN);
        assertThat(writer.lost()).as("acknowledged writes missing after the switchover").isEmpty();
        String newPrimaryAddress = cluster.podAddress("shop-pg-2").getAddress().getHostAddress();
        assertThat(writer.acknowledgedAfter(acknowledged.stream().filter(a -> a.server().get().equals(newPrimaryAddress))
                .findFirst().orElseThrow().end())).extracting(attempt -> attempt.server().get())
                .as("no write on the old primary once the new one took one").containsOnly(newPrimaryAddress);
        assertThat(loop.events("SwitchedOver")).singleElement()
                .satisfies(event -> assertThat(event.getMessage()).startsWith("shop-pg-2 is the primary"));
        assertThat(loop.current().getMetadata().getAnnotations()).as("the request is removed once done")
                .doesNotContainKey("cachedapi.io/switchover-to");
    }

    /**
     * {@code kubectl drain} cordons the node, then evicts: the primary's disruption budget refuses its
     * eviction (no eviction API on the mock server: its spec is checked), and the operator, seeing the
     * node cordoned, switches over to a replica elsewhere, losing nothing.
     */
    @Test
    void aCordonedPrimaryNodeIsLeftByASwitchoverSoTheDrainCanEvictAReplica() throws Exception {
        loop.create(2, api -> api.getSpec().getPostgres().setSynchronous(true));
        await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified("shop-pg-0"));
        PodDisruptionBudget primaryBudget = client.policy().v1().podDisruptionBudget().inNamespace(namespace)
                .withName("shop-pg-primary").get();
        assertThat(primaryBudget.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        assertThat(primaryBudget.getSpec().getSelector().getMatchLabels()).containsEntry(Labels.ROLE, Labels.PRIMARY);
        SteadyWriter writer = SteadyWriter.start(loop);
        await().atMost(WAIT).until(() -> writer.acknowledgedAfter(Instant.EPOCH).size() >= 20);

        String node = loop.pod("shop-pg-0").getSpec().getNodeName();
        client.nodes().withName(node).edit(cordoned -> {
            cordoned.getSpec().setUnschedulable(true);
            return cordoned;
        });

        await().atMost(WAIT).untilAsserted(() -> assertThat(loop.current().getStatus().getPrimary())
                .as(loop::diagnostics).isNotNull().isNotEqualTo("shop-pg-0"));
        String newPrimary = loop.current().getStatus().getPrimary();
        await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified(newPrimary));
        await().atMost(WAIT).until(() -> writer.acknowledgedAfter(Instant.now().minusSeconds(1)).size() >= 5);
        writer.close();

        assertThat(loop.pod(newPrimary).getSpec().getNodeName()).isNotEqualTo(node);
        assertThat(loop.events("SwitchoverForDrain")).singleElement().satisfies(event -> assertThat(event.getMessage())
                .contains(node + " of primary shop-pg-0 is cordoned: switching over to " + newPrimary));
        assertThat(loop.events("SwitchedOver")).hasSize(1);
        assertThat(writer.lost()).as("acknowledged writes missing after the switchover").isEmpty();
        assertThat(loop.roles()).containsEntry("shop-pg-0", Labels.REPLICA);
    }

    /**
     * A change of the pg pod template (here the image, which the live loop does not run anyway) is rolled
     * out by the operator, the StatefulSet being OnDelete: replicas first, then a switchover, whose clean
     * shutdown of the old primary recreates its pod from the new template; never a failover, nothing lost.
     */
    @Test
    void aChangedPodTemplateRollsOutReplicasFirstAndThePrimaryAfterASwitchover() throws Exception {
        loop.create(2, api -> api.getSpec().getPostgres().setSynchronous(true));
        await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified("shop-pg-0"));
        SteadyWriter writer = SteadyWriter.start(loop);
        await().atMost(WAIT).until(() -> writer.acknowledgedAfter(Instant.EPOCH).size() >= 20);

        Instant changed = Instant.now();
        client.resources(CachedApi.class).inNamespace(namespace).withName(LiveLoop.NAME).edit(api -> {
            api.getSpec().getPostgres().setImage(api.getSpec().getPostgres().getImage() + "-next");
            return api;
        });

        await().atMost(WAIT.multipliedBy(2)).untilAsserted(() -> {
            var set = client.apps().statefulSets().inNamespace(namespace).withName("shop-pg").get();
            assertThat(set.getStatus()).as("the StatefulSet's status (the controller writes it again)").isNotNull();
            String revision = set.getStatus().getUpdateRevision();
            assertThat(loop.pgPods()).as(loop::diagnostics).allSatisfy(pod -> assertThat(loop.pod(pod)).isNotNull()
                    .satisfies(p -> assertThat(p.getMetadata().getLabels()).containsEntry("controller-revision-hash",
                            revision)));
            String primary = loop.current().getStatus().getPrimary();
            assertThat(primary).isNotNull().isNotEqualTo("shop-pg-0");
            loop.assertReplicationVerified(primary);
        });
        await().atMost(WAIT).until(() -> writer.acknowledgedAfter(Instant.now().minusSeconds(1)).size() >= 5);
        writer.close();

        // Event names begin with the time they were recorded, in hexadecimal milliseconds
        assertThat(loop.events("PodReplaced").stream()
                .sorted(Comparator.comparing((io.fabric8.kubernetes.api.model.Event event) -> event.getMetadata().getName()))
                .map(event -> event.getMessage().split(" ")[0]).toList())
                .as("replicas first (highest ordinal first); the switchover itself replaces the old primary's pod")
                .containsExactly("shop-pg-2", "shop-pg-1");
        assertThat(loop.events("SwitchoverForUpdate")).hasSize(1);
        assertThat(loop.events("FailingOver")).as("a rollout is never a failover").isEmpty();
        assertThat(writer.lost()).as("acknowledged writes missing after the rollout").isEmpty();
        System.out.printf("rollout: longest time without an acknowledged write %d ms%n",
                longestGap(writer, changed).toMillis());
        assertThat(longestGap(writer, changed)).isLessThanOrEqualTo(WRITE_GAP_WITHIN);
    }

    private static Duration longestGap(SteadyWriter writer, Instant from) {
        List<Attempt> acknowledged = writer.history().stream().filter(Attempt::acknowledged)
                .sorted(Comparator.comparing(Attempt::end)).toList();
        Duration gap = Duration.ZERO;
        for (int i = 1; i < acknowledged.size(); i++) {
            if (acknowledged.get(i).end().isAfter(from)) {
                Duration between = Duration.between(acknowledged.get(i - 1).end(), acknowledged.get(i).end());
                gap = between.compareTo(gap) > 0 ? between : gap;
            }
        }
        return gap;
    }
}
