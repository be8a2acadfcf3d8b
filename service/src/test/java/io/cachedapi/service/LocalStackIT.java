package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.testkit.Directories;
import io.cachedapi.testkit.stack.LocalStack;
import io.cachedapi.testkit.stack.StackSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code make up} with the API instances: the packaged service jar, started as separate processes
 * on the sample's stack, answers like the README says, and {@code make down} leaves nothing running.
 */
class LocalStackIT {

    private static final Path SAMPLE = Path.of("../manifests/samples/cachedapi.yaml");
    private static final Path SERVICE_JAR = Path.of("target/cachedapi-service.jar");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Path state;
    private LocalStack stack;

    @BeforeEach
    void prepare() throws IOException {
        state = Files.createTempDirectory("cachedapi-local-");
        Path rendered = Files.writeString(state.resolve("rendered.yaml"), Render.yaml(Render.read(SAMPLE)));
        stack = new LocalStack(state, StackSpec.fromRendering(rendered));
    }

    @AfterEach
    void cleanUp() {
        stack.down();
        Directories.deleteRecursively(state);
    }

    @Test
    void theApiInstancesServeCachedReadsAndSurviveRedisStopping() throws Exception {
        assertThat(SERVICE_JAR).as("packaged before the integration tests").exists();
        Map<String, String> env = stack.up(SERVICE_JAR);

        List<String> apis = List.of(env.get("API_URLS").split(","));
        assertThat(apis).hasSize(2);
        assertThat(stack.status()).containsPattern("shop-api-0 +http://127\\.0\\.0\\.1:\\d+ +ready")
                .containsPattern("shop-api-1 +http://127\\.0\\.0\\.1:\\d+ +ready");

        JsonNode first = get(apis.getFirst() + "/users");
        JsonNode second = get(apis.getFirst() + "/users");
        assertThat(first.get("cached").asBoolean()).isFalse();
        assertThat(second.get("cached").asBoolean()).isTrue();
        assertThat(first.get("instance").asString()).isEqualTo("shop-api-0");
        assertThat(get(apis.get(1) + "/users").get("instance").asString()).isEqualTo("shop-api-1");

        List<ProcessHandle> processes = processesOfTheStack();
        ProcessHandle.of(Long.parseLong(Files.readString(state.resolve("redis/server.pid")).strip()))
                .orElseThrow().destroy();
        for (String api : apis) {
            for (int i = 0; i < 10; i++) {
                assertThat(status(api + "/users")).isEqualTo(200);
                assertThat(status(api + "/products/1")).isEqualTo(404);
            }
        }

        stack.down();
        assertThat(processes).noneMatch(ProcessHandle::isAlive);
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private int status(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /** Every process of the stack (servers, API instances and their children), from the pid files. */
    private List<ProcessHandle> processesOfTheStack() throws IOException {
        var processes = new ArrayList<ProcessHandle>();
        try (Stream<Path> pidFiles = Files.find(state, 3, (path, attributes) -> path.endsWith("server.pid"))) {
            for (Path pidFile : pidFiles.toList()) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).ifPresent(process -> {
                    processes.add(process);
                    process.descendants().forEach(processes::add);
                });
            }
        }
        assertThat(processes).hasSizeGreaterThanOrEqualTo(5);
        return processes;
    }
}
