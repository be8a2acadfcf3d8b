package io.cachedapi.testkit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * BENCHMARKS.md from the result files of one run: latest.json (make bench), and when present
 * operator.json (the operator benchmark) and drills.json (make drills).
 */
public final class BenchReport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchReport() {
    }

    public static void main(String[] args) {
        write(Path.of(args.length > 0 ? args[0] : "bench/results"), Path.of(args.length > 1 ? args[1] : "BENCHMARKS.md"));
    }

    static void write(Path results, Path markdown) {
        try {
            JsonNode latest = JSON.readTree(results.resolve("latest.json").toFile());
            var md = new StringBuilder("""
                    # Benchmarks

                    Written by `make bench` (and `make drills`) from `bench/results/*.json`, all from one run on the
                    machine described at the end. Absolute numbers on this shared 2-core machine are noisy; the ratios
                    are taken within the run. Targets are those of `shared/DESIGN.md`.

                    ## HTTP scenarios

                    | scenario | what | requests/s | p50 ms | p99 ms | errors |
                    | --- | --- | ---: | ---: | ---: | ---: |
                    """);
            Map<String, String> what = Map.of(
                    "ceiling", "`GET /ping`: the framework alone",
                    "product_hit", "`GET /products/{id}`, 1,000 hot ids, all cached",
                    "product_nocache", "the same with `Cache-Control: no-cache` (replica reads)",
                    "users_hit", "`GET /users?limit=1000`, 1,000 users, cached",
                    "users_nocache", "the same, not cached",
                    "redis_down", "the requests of product_hit with Redis stopped",
                    "product_nocache_at_rate", "product_nocache at a fixed rate: half of its own full-load rate",
                    "redis_down_at_rate", "redis_down at that same rate",
                    "mixed", "90 % reads / 10 % writes (`PUT`) on both instances at once");
            for (Iterator<Map.Entry<String, JsonNode>> it = latest.path("scenarios").fields(); it.hasNext(); ) {
                var scenario = it.next();
                JsonNode row = scenario.getValue();
                md.append(String.format("| %s | %s | %.0f | %.2f | %.2f | %d |%n", scenario.getKey(),
                        what.getOrDefault(scenario.getKey(), ""), row.path("rps").asDouble(),
                        row.path("p50_ms").asDouble(), row.path("p99_ms").asDouble(), row.path("errors").asLong()));
            }
            JsonNode ratios = latest.path("ratios");
            md.append("\n## Ratios against the targets\n\n| ratio | measured | target | met |\n| --- | ---: | --- | --- |\n");
            ratio(md, "hit_over_ceiling", ratios, ">= 0.8", ratios.path("hit_over_ceiling").asDouble() >= 0.8);
            ratio(md, "product_hit_over_nocache", ratios, "(reported)", true);
            ratio(md, "users_hit_over_nocache", ratios, ">= 10", ratios.path("users_hit_over_nocache").asDouble() >= 10);
            ratio(md, "redis_down_p99_minus_nocache_p99_ms", ratios, "<= 5 ms (at one rate)",
                    ratios.path("redis_down_p99_minus_nocache_p99_ms").asDouble() <= 5);
            ratio(md, "redis_down_p99_minus_nocache_p99_ms_at_full_load", ratios, "(reported)", true);
            ratio(md, "redis_down_rps_over_nocache_rps_at_full_load", ratios, "(reported)", true);

            JsonNode seeds = latest.path("seeds_protocol");
            md.append("""

                    ## The seeds' protocol

                    Ten sequential `GET /users?limit=1000` (1,000 users), each timed, the cache emptied first; then the
                    same with Redis stopped. The seeds measured 111 ms for the first (miss) and 4 ms for the following
                    hits (27.75x), and 1,052 ms per request while Redis was down.

                    | request | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 |
                    | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
                    """);
            md.append(times("ours, Redis up (ms)", seeds.path("users_sequential_ms")));
            md.append("| seeds, Redis up (ms) | 111 | 4 | 4 | 4 | 4 | 4 | 4 | 4 | 4 | 4 |\n");
            md.append(times("ours, Redis down (ms)", seeds.path("users_sequential_redis_down_ms")));
            md.append("| seeds, Redis down (ms) | 1,052 | 1,052 | 1,052 | 1,052 | 1,052 | 1,052 | 1,052 | 1,052 | 1,052 | 1,052 |\n");

            Path operator = results.resolve("operator.json");
            if (Files.exists(operator)) {
                JsonNode op = JSON.readTree(operator.toFile());
                md.append("\n## Operator\n\nOn fabric8's mock API server (CRUD mode), the operator in its own JVM (`")
                        .append(op.path("operator_jvm").asText()).append("`, as in its container):\n\n")
                        .append("| measure | value | target |\n| --- | ---: | --- |\n")
                        .append(String.format("| 1 CachedApi: created to all its children present | %d ms | <= 2,000 ms |%n",
                                op.path("one_resource_ms").asLong()))
                        .append(String.format("| 100 CachedApis: created to all their children present | %d ms | <= 5,000 ms |%n",
                                op.path("hundred_resources_ms").asLong()))
                        .append(String.format("| operator RSS after the 100%s | %d MiB | <= 256 MiB |%n",
                                op.path("foreign_objects").asLong() > 0 ? String.format(", with %,d Secrets and"
                                        + " ConfigMaps of other owners on the server", op.path("foreign_objects").asLong())
                                        : "", op.path("operator_rss_mib").asLong()));
            }
            Path drills = results.resolve("drills.json");
            if (Files.exists(drills)) {
                md.append("\n## Fault drills\n\n| drill | requests | errors | stale reads | recovery ms | notes |\n")
                        .append("| --- | ---: | ---: | ---: | ---: | --- |\n");
                JsonNode all = JSON.readTree(drills.toFile());
                for (JsonNode drill : all) {
                    if (drill.has("runs")) {
                        continue;   // a failover drill: the next table
                    }
                    md.append(String.format("| %s | %d | %d | %d | %d | %s |%n", drill.path("name").asText(),
                            drill.path("requests").asLong(), drill.path("errors").asLong(),
                            drill.path("stale_reads").asLong(), drill.path("recovery_ms").asLong(),
                            drill.path("notes").asText()));
                }
                failoverDrills(md, all);
            }
            JsonNode machine = latest.path("machine");
            md.append("\n## Machine\n\n");
            machine.fields().forEachRemaining(field -> md.append("- ").append(field.getKey()).append(": ")
                    .append(field.getValue().asText()).append('\n'));
            Path notes = results.resolve("NOTES.md");
            if (Files.exists(notes)) {
                md.append('\n').append(Files.readString(notes));
            }
            Files.writeString(markdown, md.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The failover and switchover drills (the operator's live loop): medians and worst of their runs. */
    private static void failoverDrills(StringBuilder md, JsonNode drills) {
        var rows = new StringBuilder();
        for (JsonNode drill : drills) {
            if (drill.has("runs")) {
                rows.append(String.format("| %s | %d | %s | %s | %d of %d | %s | %s |%n", drill.path("name").asText(),
                        drill.path("runs").asInt(), medianAndWorst(drill.path("first_write_ms")),
                        medianAndWorst(drill.path("write_gap_ms")), drill.path("writes_lost").asInt(),
                        drill.path("writes_acknowledged").asInt(), medianAndWorst(drill.path("old_primary_streams_ms")),
                        drill.path("notes").asText()));
            }
        }
        if (!rows.isEmpty()) {
            md.append("\n## Failover and switchover\n\nOn the operator's live loop (real PostgreSQL, the real operator; ")
                    .append("see the README). Times in ms, median / worst of the runs.\n\n")
                    .append("| drill | runs | first write on the new primary | longest time without a write ")
                    .append("| acknowledged writes lost | old primary streams again | notes |\n")
                    .append("| --- | ---: | ---: | ---: | ---: | ---: | --- |\n").append(rows);
        }
    }

    private static String medianAndWorst(JsonNode spread) {
        return spread.path("median").asLong() + " / " + spread.path("worst").asLong();
    }

    private static void ratio(StringBuilder md, String name, JsonNode ratios, String target, boolean met) {
        md.append(String.format("| %s | %.2f | %s | %s |%n", name, ratios.path(name).asDouble(), target,
                target.startsWith("(") ? "" : met ? "yes" : "no (see below)"));
    }

    private static String times(String label, JsonNode values) {
        var row = new StringBuilder("| ").append(label).append(" |");
        values.forEach(value -> row.append(String.format(" %.1f |", value.asDouble())));
        return row.append('\n').toString();
    }
}
