package io.cachedapi.testkit.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cachedapi.testkit.RedisServer;
import io.cachedapi.testkit.stack.LocalStack;
import io.cachedapi.testkit.stack.StackSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * {@code make bench}: the benchmark scenarios of issue 6 on the running local stack, measured with wrk
 * in one run, written to {@code bench/results/latest.json} and {@code BENCHMARKS.md}.
 * <p>
 * The scenarios compared by a ratio run in interleaved rounds (each round runs every one of them once)
 * and each figure is the median of its rounds: a slow spell of this shared machine then lands on both
 * sides of a ratio instead of on one. Every scenario, the ceiling included, has wrk build its requests
 * in Lua, so the load generator does the same work per request on both sides.
 */
public final class BenchMain {

    private static final int ROWS = 1000;
    private static final int ROUNDS = 3;
    private static final Duration MIXED_WARM_UP = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Path state;
    private final Duration duration;
    private final Map<String, String> env;
    private final List<String> apis;
    private final LocalStack stack;
    private final Path scripts;
    private final Wrk wrk = new Wrk(1, 8);

    private BenchMain(Path state, Duration duration) throws IOException {
        this.state = state;
        this.duration = duration;
        this.env = readEnv(state.resolve("stack.env"));
        this.apis = List.of(env.getOrDefault("API_URLS", "").split(","));
        if (apis.size() < 2 || apis.getFirst().isBlank()) {
            throw new IllegalStateException("the local stack has no two API instances; run make up first");
        }
        this.stack = new LocalStack(state, StackSpec.fromRendering(state.resolve("rendered.yaml")));
        this.scripts = Files.createTempDirectory("cachedapi-bench-");
    }

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args.length > 0 ? args[0] : ".local");
        Path out = Path.of(args.length > 1 ? args[1] : "bench/results");
        Duration duration = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 10);
        new BenchMain(state, duration).run(out);
    }

    private void run(Path out) throws Exception {
        List<Long> products = seed();
        String api = apis.getFirst();
        RedisServer redis = stack.redisServer();
        redis.command("FLUSHALL");
        List<String> productPaths = products.stream().map(id -> "/products/" + id).toList();
        Path hot = Wrk.script(scripts, "products", productPaths, "");
        Path cold = Wrk.script(scripts, "products-nocache", productPaths, "wrk.headers[\"Cache-Control\"] = \"no-cache\"\n");
        Path users = Wrk.script(scripts, "users", List.of("/users?limit=" + ROWS), "");
        Path usersCold = Wrk.script(scripts, "users-nocache", List.of("/users?limit=" + ROWS),
                "wrk.headers[\"Cache-Control\"] = \"no-cache\"\n");
        Path mixed = mixedScript(products);

        Map<String, Path> steady = new LinkedHashMap<>();
        steady.put("ceiling", Wrk.script(scripts, "ping", List.of("/ping"), ""));
        steady.put("product_hit", hot);
        steady.put("product_nocache", cold);
        steady.put("users_hit", users);
        steady.put("users_nocache", usersCold);

        say("warming up (JIT) ...");
        steady.values().forEach(script -> warm(api, script));
        var rounds = new LinkedHashMap<String, List<Wrk.Result>>();
        for (int round = 1; round <= ROUNDS; round++) {
            say("round " + round + " of " + ROUNDS + " at full load");
            steady.forEach((name, script) -> record(rounds, name, measure(name, api, script)));
            withRedisStopped(api, productPaths.getFirst(), () -> record(rounds, "redis_down", measure("redis_down", api, hot)));
            warm(api, hot);
        }

        // At full load the Redis-down path answers far more requests per second than the no-cache path
        // (no Redis round trip, no replay check), so the two p99s are taken at different loads. Latency is
        // compared at one load both sustain: half of what the no-cache path answers at full load.
        double rate = Math.max(100, Math.floor(median(rounds.get("product_nocache"), Wrk.Result::rps) / 2 / 100) * 100);
        Path hotPaced = Wrk.paced(hot, rate);
        Path coldPaced = Wrk.paced(cold, rate);
        for (int round = 1; round <= ROUNDS; round++) {
            say("round " + round + " of " + ROUNDS + " at " + (long) rate + " requests/s");
            record(rounds, "product_nocache_at_rate", measure("product_nocache_at_rate", api, coldPaced));
            withRedisStopped(api, productPaths.getFirst(),
                    () -> record(rounds, "redis_down_at_rate", measure("redis_down_at_rate", api, hotPaced)));
            warm(api, hot);
        }

        var seeds = new LinkedHashMap<String, Object>();
        redis.command("FLUSHALL");
        seeds.put("users_sequential_ms", sequential(api + "/users?limit=" + ROWS));
        withRedisStopped(api, productPaths.getFirst(),
                () -> seeds.put("users_sequential_redis_down_ms", sequential(api + "/users?limit=" + ROWS)));

        // Until now only the first instance has run more than cache hits. Two JVMs compiling the write path
        // at once on two cores take most of a minute to settle; measured earlier, that is what gets measured.
        say("warming up the mixed load on every instance (" + MIXED_WARM_UP.toSeconds() + " s) ...");
        runMixed(mixed, MIXED_WARM_UP);
        for (int round = 1; round <= ROUNDS; round++) {
            record(rounds, "mixed", measure("mixed", () -> runMixed(mixed, duration)));
        }
        var scenarios = new LinkedHashMap<String, Wrk.Result>();
        rounds.forEach((name, results) -> scenarios.put(name, median(results)));

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scenarios", asJson(scenarios));
        result.put("rounds", roundsAsJson(rounds));
        result.put("ratios", ratios(scenarios));
        result.put("seeds_protocol", seeds);
        result.put("machine", machine());
        Files.createDirectories(out);
        var json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(out.resolve("latest.json").toFile(), result);
        say("wrote " + out.resolve("latest.json"));
        Path markdown = Path.of("BENCHMARKS.md");
        BenchReport.write(out, markdown);
        say("wrote " + markdown);
    }

    /** At least ROWS products and ROWS users, the replica caught up; the products' ids. */
    private List<Long> seed() throws SQLException {
        try (Connection primary = connect(env.get("PG_PRIMARY_PORT"))) {
            primary.createStatement().execute("""
                    insert into products (name, description, price, stock)
                    select 'bench product ' || n, 'seeded by make bench', (n %% 100) + 0.99, n %% 50
                    from generate_series(1, greatest(0, %d - (select count(*) from products))) n""".formatted(ROWS));
            primary.createStatement().execute("""
                    insert into users (name, email)
                    select 'bench user ' || n, 'bench-' || n || '@example.com' from generate_series(1, %d) n
                    on conflict ((lower(email))) do nothing""".formatted(ROWS));
            var ids = new ArrayList<Long>();
            try (ResultSet rows = primary.createStatement().executeQuery(
                    "select id from products order by id limit " + ROWS)) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                }
            }
            String lsn = single(primary, "select pg_current_wal_lsn()::text");
            for (String port : env.get("PG_REPLICA_PORTS").split(",")) {
                try (Connection replica = connect(port)) {
                    Instant deadline = Instant.now().plusSeconds(60);
                    while (!single(replica, "select pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn").equals("t")) {
                        if (Instant.now().isAfter(deadline)) {
                            throw new IllegalStateException("replica on port " + port + " did not catch up");
                        }
                        pause(Duration.ofMillis(50));
                    }
                }
            }
            return ids;
        }
    }

    private Wrk.Result measure(String name, String url, Path script) {
        return measure(name, () -> wrk.run(url, script, duration));
    }

    private static Wrk.Result measure(String name, Supplier<Wrk.Result> run) {
        Wrk.Result result = run.get();
        say(String.format("%-24s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %d",
                name, result.rps(), result.p50Millis(), result.p99Millis(), result.errors()));
        return result;
    }

    private static void record(Map<String, List<Wrk.Result>> rounds, String name, Wrk.Result result) {
        rounds.computeIfAbsent(name, key -> new ArrayList<>()).add(result);
    }

    /** Runs {@code measurement} once every instance bypasses the cache, then starts Redis again and waits for hits. */
    private void withRedisStopped(String api, String path, ThrowingRunnable measurement) throws Exception {
        RedisServer redis = stack.redisServer();
        redis.stop();
        try {
            for (String instance : apis) {
                waitForCache(instance + path, "BYPASS");
            }
            measurement.run();
        } finally {
            redis.start();
        }
        for (String instance : apis) {
            waitForCache(instance + path, "HIT");
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private void warm(String api, Path script) {
        wrk.run(api, script, Duration.ofSeconds(3));
    }

    /** Each figure's median over the rounds; errors are summed. */
    private static Wrk.Result median(List<Wrk.Result> rounds) {
        return new Wrk.Result(median(rounds, Wrk.Result::rps), median(rounds, Wrk.Result::p50Millis),
                median(rounds, Wrk.Result::p99Millis), rounds.stream().mapToLong(Wrk.Result::errors).sum());
    }

    private static double median(List<Wrk.Result> rounds, ToDoubleFunction<Wrk.Result> figure) {
        double[] values = rounds.stream().mapToDouble(figure).sorted().toArray();
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /** 90 % reads, 10 % writes, on both instances at once; rps summed, p50 averaged, p99 the worse. */
    private Wrk.Result runMixed(Path script, Duration length) {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            var runs = apis.stream().limit(2).map(api -> executor.submit(() -> wrk.run(api, script, length))).toList();
            var a = runs.get(0).get();
            var b = runs.get(1).get();
            return new Wrk.Result(a.rps() + b.rps(), (a.p50Millis() + b.p50Millis()) / 2,
                    Math.max(a.p99Millis(), b.p99Millis()), a.errors() + b.errors());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("wrk failed on the mixed load", e.getCause());
        }
    }

    private Path mixedScript(List<Long> products) {
        var lua = new StringBuilder("local ids = {");
        products.forEach(id -> lua.append(id).append(','));
        lua.append("""
                }
                request = function()
                  local id = ids[math.random(#ids)]
                  if math.random() < 0.1 then
                    local body = '{"name":"bench product","price":1.99,"stock":' .. math.random(1000) .. '}'
                    return wrk.format("PUT", "/products/" .. id, {["Content-Type"] = "application/json"}, body)
                  end
                  return wrk.format("GET", "/products/" .. id)
                end
                """);
        return Wrk.write(scripts.resolve("mixed.lua"), lua.toString());
    }

    /** The seeds' protocol: ten sequential requests, each timed. */
    private List<Double> sequential(String url) throws Exception {
        var times = new ArrayList<Double>();
        for (int i = 0; i < 10; i++) {
            long start = System.nanoTime();
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.discarding());
            times.add(Math.round((System.nanoTime() - start) / 10_000.0) / 100.0);
            if (response.statusCode() != 200) {
                throw new IllegalStateException(url + " answered " + response.statusCode());
            }
        }
        say("sequential " + url + ": " + times + " ms");
        return times;
    }

    /** Waits until {@code url} answers with {@code X-Cache: status} (BYPASS once Redis is stopped, HIT once it is back). */
    private void waitForCache(String url, String status) throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.discarding());
            if (response.headers().firstValue("X-Cache").orElse("").equals(status)) {
                return;
            }
            pause(Duration.ofMillis(20));
        }
        throw new IllegalStateException(url + " never answered X-Cache: " + status + " within 30 s");
    }

    private static Map<String, Object> asJson(Map<String, Wrk.Result> scenarios) {
        var json = new LinkedHashMap<String, Object>();
        scenarios.forEach((name, result) -> {
            var row = new LinkedHashMap<String, Object>();
            row.put("rps", round(result.rps()));
            row.put("p50_ms", round(result.p50Millis()));
            row.put("p99_ms", round(result.p99Millis()));
            row.put("errors", result.errors());
            json.put(name, row);
        });
        return json;
    }

    private static Map<String, Object> roundsAsJson(Map<String, List<Wrk.Result>> rounds) {
        var json = new LinkedHashMap<String, Object>();
        rounds.forEach((name, results) -> json.put(name, results.stream().map(result -> List.of(round(result.rps()),
                round(result.p50Millis()), round(result.p99Millis()), result.errors())).toList()));
        return json;
    }

    private static Map<String, Object> ratios(Map<String, Wrk.Result> s) {
        var ratios = new LinkedHashMap<String, Object>();
        ratios.put("hit_over_ceiling", round(s.get("product_hit").rps() / s.get("ceiling").rps()));
        ratios.put("product_hit_over_nocache", round(s.get("product_hit").rps() / s.get("product_nocache").rps()));
        ratios.put("users_hit_over_nocache", round(s.get("users_hit").rps() / s.get("users_nocache").rps()));
        ratios.put("redis_down_p99_minus_nocache_p99_ms",
                round(s.get("redis_down_at_rate").p99Millis() - s.get("product_nocache_at_rate").p99Millis()));
        ratios.put("redis_down_p99_minus_nocache_p99_ms_at_full_load",
                round(s.get("redis_down").p99Millis() - s.get("product_nocache").p99Millis()));
        ratios.put("redis_down_rps_over_nocache_rps_at_full_load",
                round(s.get("redis_down").rps() / s.get("product_nocache").rps()));
        return ratios;
    }

    private Map<String, Object> machine() {
        var machine = new LinkedHashMap<String, Object>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memory", memTotal());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("java", System.getProperty("java.version"));
        machine.put("load_generator", "wrk -t1 -c8 with Lua-built requests, on the same machine as the stack;"
                + " after a 3 s warm-up, " + ROUNDS + " interleaved rounds of " + duration.toSeconds()
                + " s per scenario, medians (rounds: [rps, p50 ms, p99 ms, errors]); the *_at_rate scenarios"
                + " send a fixed request rate (wrk's delay() on a shared schedule), all others as fast as answered");
        machine.put("api_instances", apis.size());
        machine.put("rows", ROWS);
        machine.put("date", Instant.now().toString());
        return machine;
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).getFirst().replaceAll("\\s+", " ");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private Connection connect(String port) throws SQLException {
        var properties = new Properties();
        properties.setProperty("user", env.get("PG_SUPERUSER"));
        properties.setProperty("password", env.get("PG_SUPERUSER_PASSWORD"));
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + env.get("PG_DATABASE"),
                properties);
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (ResultSet rows = connection.createStatement().executeQuery(sql)) {
            rows.next();
            String value = rows.getString(1);
            return "true".equals(value) ? "t" : "false".equals(value) ? "f" : value;
        }
    }

    private static Map<String, String> readEnv(Path file) {
        try {
            var env = new LinkedHashMap<String, String>();
            for (String line : Files.readAllLines(file)) {
                int equals = line.indexOf('=');
                if (!line.startsWith("#") && equals > 0) {
                    env.put(line.substring(0, equals), line.substring(equals + 1));
                }
            }
            return env;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + "; run make up first", e);
        }
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void say(String line) {
        System.out.println("bench: " + line);
    }
}
