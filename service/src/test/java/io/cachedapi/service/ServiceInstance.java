package io.cachedapi.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** One running service and an HTTP client for it. */
final class ServiceInstance implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final ConfigurableApplicationContext context;
    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServiceInstance(ConfigurableApplicationContext context) {
        this.context = context;
        this.baseUrl = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
    }

    /**
     * Starts the service on a free port, configured as a pod is: {@code environment} holds the wiring
     * contract's variables; {@code beans} are registered in its context before it starts.
     */
    static ServiceInstance start(Map<String, Object> environment, Object... beans) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(CachedApiApplication.class)
                .properties(environment)
                .initializers(ctx -> {
                    for (int i = 0; i < beans.length; i++) {
                        ctx.getBeanFactory().registerSingleton("testBean" + i, beans[i]);
                    }
                })
                .run("--server.port=0");
        return new ServiceInstance(context);
    }

    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Response post(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Response put(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    Response delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.timeout(REQUEST_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.headers().firstValue("X-Cache"), response.headers().firstValue("Retry-After"),
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    URI uri(String path) {
        return URI.create(baseUrl + path);
    }

    /** The sum of a counter over the given tags (0 when it was never registered). */
    double counter(String name, String... tags) {
        return Search.in(context.getBean(MeterRegistry.class)).name(name).tags(tags).counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /** Database reads of this instance, on any server. */
    double databaseReads() {
        return counter("cachedapi.db.reads");
    }

    @Override
    public void close() {
        context.close();
    }

    record Response(int status, String contentType, Optional<String> xCache, Optional<String> retryAfter, String body) {

        JsonNode json() {
            return JSON.readTree(body);
        }

        String cache() {
            return xCache.orElse("none");
        }

        @Override
        public String toString() {
            return status + " " + xCache.map(value -> "X-Cache " + value + " ").orElse("") + body;
        }
    }
}
