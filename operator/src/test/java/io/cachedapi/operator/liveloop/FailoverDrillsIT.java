package io.cachedapi.operator.liveloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.liveloop.SteadyWriter.Attempt;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The failover and switchover drills of {@code make drills}: each drill {@code drills.runs} times (5)
 * on the live loop, a primary and two replicas under a writer through {@code -rw}, each run in a
 * cluster of its own. The figures go into {@code drills.output} (bench/results/drills.json), beside
 * the service's drills: time from the fault (or the request) to the first write accepted on the new
 * primary, acknowledged writes lost, and time until the old primary streams from the new one.
 * {@code make test} runs the short forms instead ({@link FailoverIT}, {@link SwitchoverIT}).
 */
@EnabledIfSystemProperty(named = "drills.runs", matches = "[1-9][0-9]*")
@EnableKubernetesMockClient(crud = true)
class FailoverDrillsIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String OLD = "shop-pg-0";
    private static final String TARGET = "shop-pg-2";
    private static final ObjectMapper JSON = new ObjectMapper();

    static KubernetesClient client;

    private int clusters;

    /** One run's figures. */
    private record Run(long firstWriteMillis, long writeGapMillis, int lost, int acknowledged, long oldStreamsMillis) {
    }

    private enum Drill {
        PRIMARY_KILLED("primary_killed", true,
                "node lost under the primary (SIGKILL, nothing restarts it there); synchronous replication on"),
        PRIMARY_KILLED_ASYNC("primary_killed_async", false,
                "the same, synchronous replication off: writes acknowledged just before the fault may be lost"),
        SWITCHOVER("switchover", true,
                "kubectl annotate cachedapi shop cachedapi.io/switchover-to=shop-pg-2; times from the request");

        final String name;
        final boolean synchronous;
        final String notes;

        Drill(String name, boolean synchronous, String notes) {
            this.name = name;
            this.synchronous = synchronous;
            this.notes = notes;
        }
    }

    @Test
    void failoverAndSwitchoverDrills() throws Exception {
        int runs = Integer.parseInt(System.getProperty("drills.runs"));
        var entries = new ArrayList<ObjectNode>();
        for (Drill drill : Drill.values()) {
            var results = new ArrayList<Run>();
            for (int i = 0; i < runs; i++) {
                Run run = runOnce(drill);
                System.out.printf("drill %s run %d: %s%n", drill.name, i + 1, run);
                results.add(run);
            }
            entries.add(entry(drill, results));
        }
        Path output = Path.of(System.getProperty("drills.output", "target/drills.json"));
        merge(output, entries);

        for (ObjectNode entry : entries) {
            if (!entry.path("name").asText().equals(Drill.PRIMARY_KILLED_ASYNC.name)) {
                assertThat(entry.path("writes_lost").asInt()).as(entry.path("name").asText()).isZero();
            }
        }
    }

    private Run runOnce(Drill drill) throws Exception {
        try (LiveLoop loop = LiveLoop.start(client, "drill-" + ++clusters)) {
            LiveCluster cluster = loop.cluster();
            loop.create(2, api -> api.getSpec().getPostgres().setSynchronous(drill.synchronous));
            await().atMost(WAIT).untilAsserted(() -> loop.assertReplicationVerified(OLD));
            if (drill.synchronous) {
                try (Connection primary = loop.connect(cluster.address("shop-pg-rw"), "postgres")) {
                    await().atMost(WAIT).until(() -> LiveLoop.single(primary, "show synchronous_standby_names")
                            .equals("ANY 1 (*)"));
                }
            }
            String oldAddress = cluster.podAddress(OLD).getAddress().getHostAddress();
            SteadyWriter writer = SteadyWriter.start(loop);
            await().atMost(WAIT).until(() -> writer.acknowledgedAfter(Instant.EPOCH).size() >= 20);

            Instant fault = Instant.now();
            if (drill == Drill.SWITCHOVER) {
                client.resources(CachedApi.class).inNamespace(loop.current().getMetadata().getNamespace())
                        .withName(LiveLoop.NAME).edit(api -> {
                            api.getMetadata().getAnnotations().put("cachedapi.io/switchover-to", TARGET);
                            return api;
                        });
            } else {
                cluster.loseNode(OLD);
            }
            await().atMost(WAIT).until(() -> writer.firstElsewhereAfter(fault, oldAddress).isPresent());
            Attempt first = writer.firstElsewhereAfter(fault, oldAddress).orElseThrow();
            await().atMost(WAIT).until(() -> loop.current().getStatus().getPrimary() != null
                    && !loop.current().getStatus().getPrimary().equals(OLD));
            String newPrimary = loop.current().getStatus().getPrimary();
            await().atMost(WAIT).ignoreExceptions().until(() -> oldPrimaryStreams(loop, newPrimary));
            Instant streams = Instant.now();
            await().atMost(WAIT).until(() -> writer.acknowledgedAfter(Instant.now().minusSeconds(1)).size() >= 5);
            writer.close();
            int acknowledged = (int) writer.history().stream().filter(Attempt::acknowledged).count();
            return new Run(Duration.between(fault, first.end()).toMillis(), writeGap(writer, fault).toMillis(),
                    writer.lost().size(), acknowledged, Duration.between(fault, streams).toMillis());
        }
    }

    /** Whether the new primary sends WAL to the old one (polled: its rejoin takes a rewind or a clone). */
    private static boolean oldPrimaryStreams(LiveLoop loop, String newPrimary) throws Exception {
        try (Connection primary = loop.connect(loop.cluster().podAddress(newPrimary), "postgres")) {
            return LiveLoop.single(primary, "select count(*) from pg_stat_replication where application_name = '"
                    + OLD + "' and state = 'streaming'").equals("1");
        }
    }

    /** The longest time without an acknowledged write, from the fault on. */
    private static Duration writeGap(SteadyWriter writer, Instant fault) {
        List<Attempt> acknowledged = writer.history().stream().filter(Attempt::acknowledged)
                .sorted(java.util.Comparator.comparing(Attempt::end)).toList();
        Duration gap = Duration.ZERO;
        Instant previous = fault;
        for (Attempt attempt : acknowledged) {
            if (attempt.end().isAfter(fault)) {
                Duration between = Duration.between(previous, attempt.end());
                gap = between.compareTo(gap) > 0 ? between : gap;
                previous = attempt.end();
            }
        }
        return gap;
    }

    private static ObjectNode entry(Drill drill, List<Run> runs) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("name", drill.name);
        entry.put("runs", runs.size());
        entry.set("first_write_ms", spread(runs.stream().map(Run::firstWriteMillis).toList()));
        entry.set("write_gap_ms", spread(runs.stream().map(Run::writeGapMillis).toList()));
        entry.set("old_primary_streams_ms", spread(runs.stream().map(Run::oldStreamsMillis).toList()));
        entry.put("writes_lost", runs.stream().mapToInt(Run::lost).sum());
        entry.put("writes_acknowledged", runs.stream().mapToInt(Run::acknowledged).sum());
        ArrayNode lost = entry.putArray("writes_lost_by_run");
        runs.forEach(run -> lost.add(run.lost()));
        entry.put("notes", drill.notes);
        return entry;
    }

    /** Median (the lower middle for an even count) and worst of the runs, and every value. */
    private static ObjectNode spread(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        ObjectNode spread = JSON.createObjectNode();
        spread.put("median", sorted.get((sorted.size() - 1) / 2));
        spread.put("worst", sorted.getLast());
        ArrayNode all = spread.putArray("runs");
        values.forEach(all::add);
        return spread;
    }

    /** Replaces this class's entries in the drills file, keeping the service's drills there. */
    private static void merge(Path output, List<ObjectNode> entries) throws Exception {
        ArrayNode merged = JSON.createArrayNode();
        Set<String> ours = Set.of(Drill.PRIMARY_KILLED.name, Drill.PRIMARY_KILLED_ASYNC.name, Drill.SWITCHOVER.name);
        if (Files.exists(output)) {
            for (JsonNode existing : JSON.readTree(output.toFile())) {
                if (!ours.contains(existing.path("name").asText())) {
                    merged.add(existing);
                }
            }
        }
        entries.forEach(merged::add);
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(merged) + "\n");
    }
}
