package io.cachedapi.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CrdFile;
import io.cachedapi.operator.lifecycle.JdbcPostgresAdmin;
import io.cachedapi.operator.observer.JdbcReplicationProbe;
import io.cachedapi.operator.reconciler.CachedApiReconciler;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar cachedapi-operator-all.jar} runs the operator;
 * {@code java -jar cachedapi-operator-all.jar render -f cachedapi.yaml} prints what it would create;
 * {@code ... crd} prints the CRD.
 */
public final class OperatorMain {

    private static final Logger log = LoggerFactory.getLogger(OperatorMain.class);
    /** How long the informers may stay unhealthy (a watch reconnecting) before liveness fails. */
    private static final Duration LIVENESS_GRACE = Duration.ofMinutes(2);
    private static final String USAGE = """
            usage: cachedapi-operator                 run the operator (settings from the environment:
                                                      WATCH_NAMESPACES, LEADER_ELECTION_NAMESPACE, HTTP_PORT,
                                                      MAX_REPLAY_LAG_BYTES, RECHECK_SECONDS,
                                                      MAX_LAG_ON_FAILOVER_BYTES, PRIMARY_CHECK_MILLIS)
                   cachedapi-operator render -f FILE  print every object the operator would create for the
                                                      CachedApi in FILE, as multi-document YAML
                   cachedapi-operator crd             print the CachedApi CRD (what crds/ holds)""";

    private OperatorMain() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("render")) {
            if (args.length != 3 || !args[1].equals("-f")) {
                System.err.println(USAGE);
                System.exit(2);
            }
            try {
                System.out.print(Render.yaml(Render.read(Path.of(args[2]))));
            } catch (IllegalArgumentException e) {
                System.err.println("render: " + e.getMessage());
                System.exit(1);
            }
            return;
        }
        if (args.length == 1 && args[0].equals("crd")) {
            System.out.print(CrdFile.finished());
            return;
        }
        if (args.length > 0) {
            System.err.println(USAGE);
            System.exit(args[0].equals("--help") ? 0 : 2);
        }
        run(OperatorSettings.from(System.getenv()));
    }

    static void run(OperatorSettings settings) {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Operator operator = new Operator(overrider -> {
            // per resource type, not per resource: one CachedApi more must not mean more time series
            overrider.withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
            if (settings.leaderElectionNamespace() != null) {
                overrider.withLeaderElectionConfiguration(new LeaderElectionConfiguration(
                        "cachedapi-operator-lock", settings.leaderElectionNamespace()));
            }
        });
        operator.register(new CachedApiReconciler(
                        (user, password) -> new JdbcReplicationProbe(user, password, Duration.ofSeconds(2),
                                settings.maxReplayLagBytes()),
                        (user, password) -> new JdbcPostgresAdmin(user, password, settings.failover().promotionTimeout()),
                        settings.failover(), Clock.systemUTC(), settings.recheck()),
                configuration -> {
                    if (!settings.watchedNamespaces().isEmpty()) {
                        configuration.settingNamespaces(settings.watchedNamespaces());
                    }
                });
        serveHealthAndMetrics(settings.httpPort(), registry,
                () -> operator.getRuntimeInfo().isStarted(),
                new Liveness(() -> operator.getRuntimeInfo().allEventSourcesAreHealthy(), LIVENESS_GRACE,
                        Clock.systemUTC()));
        operator.start();
        log.info("operator started namespaces={} leaderElection={}",
                settings.watchedNamespaces().isEmpty() ? "all" : settings.watchedNamespaces(),
                settings.leaderElectionNamespace() != null);
    }

    /** /healthz (liveness: see {@link Liveness}), /readyz (started), /metrics (Prometheus). */
    private static void serveHealthAndMetrics(int port, PrometheusMeterRegistry registry, BooleanSupplier started,
                                              BooleanSupplier healthy) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
            server.createContext("/healthz", exchange -> respond(exchange, healthy.getAsBoolean(), "text/plain", "ok"));
            server.createContext("/readyz", exchange -> respond(exchange, started.getAsBoolean(), "text/plain", "ok"));
            server.createContext("/metrics", exchange -> respond(exchange, true,
                    "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve health and metrics on port " + port, e);
        }
    }

    private static void respond(HttpExchange exchange, boolean ok, String contentType, String body) throws IOException {
        byte[] bytes = (ok ? body : "not ready").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(ok ? 200 : 503, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
