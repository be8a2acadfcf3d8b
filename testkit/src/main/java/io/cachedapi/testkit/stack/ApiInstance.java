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
import java.util.stream.Stream;

/**
 * One API service process of the local stack, configured only through the wiring contract
 * ({@code CACHEDAPI_*}), its log and pid file in its own directory.
 */
final class ApiInstance {

    private static final String STOP_SIGNAL = "TERM";   // Spring Boot shuts down gracefully on it
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /**
     * The heap size an API pod gets by default (75 % of its 512Mi limit), fixed from the start: a heap left
     * to grow from a small initial size kept a small old generation under load and collected it every
     * second or so. The pause goal keeps G1's young pauses near 10 ms on two busy cores (45 ms without).
     */
    private static final List<String> JVM_OPTIONS = List.of("-Xms384m", "-Xmx384m", "-XX:MaxGCPauseMillis=20");
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
    void start(Path serviceJar, Map<String, String> contract, Duration readyTimeout) {
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
                Stream.of(List.of(java), JVM_OPTIONS, List.of("-jar", serviceJar.toAbsolutePath().toString()))
                        .flatMap(List::stream).toList(),
                environment, ServerUser.current(), directory.resolve("server.log"), directory.resolve("server.pid"), STOP_SIGNAL, true);
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
