package io.cachedapi.testkit.stack;

import io.cachedapi.testkit.ServerProcess;
import io.cachedapi.testkit.ServerUser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One API service process of the local stack, configured only through the wiring contract
 * ({@code CACHEDAPI_*}), its log and pid file in its own directory.
 */
final class ApiInstance {

    private static final String STOP_SIGNAL = "TERM";   // Spring Boot shuts down gracefully on it
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();

    private final String name;
    private final int port;
    private final Path directory;

    ApiInstance(String name, int port, Path directory) {
        this.name = name;
        this.port = port;
        this.directory = directory;
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    Optional<ServerProcess> process() {
        return ServerProcess.attach(name, directory.resolve("server.pid"), directory.resolve("server.log"), STOP_SIGNAL);
    }

    /** Starts the service unless it runs, and waits until it reports itself ready. */
    void start(Path serviceJar, Map<String, String> contract, ServerUser user, Duration readyTimeout) {
        if (process().isPresent()) {
            return;
        }
        var environment = new HashMap<>(contract);
        environment.put("CACHEDAPI_INSTANCE", name);
        environment.put("SERVER_PORT", Integer.toString(port));
        environment.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        environment.put("HOME", directory.toString());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ServerProcess process = ServerProcess.launch(name,
                List.of(java, "-Xms64m", "-Xmx384m", "-jar", serviceJar.toAbsolutePath().toString()),
                environment, user, directory.resolve("server.log"), directory.resolve("server.pid"), STOP_SIGNAL, true);
        process.awaitReady(readyTimeout, this::ready);
    }

    /** What the readiness probe says, or why there is no answer. */
    String readiness() {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/actuator/health/readiness"))
                    .timeout(PROBE_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? "ready" : "not ready (" + response.statusCode() + ")";
        } catch (IOException e) {
            return "not answering (" + e.getClass().getSimpleName() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private boolean ready() {
        return readiness().equals("ready");
    }
}
