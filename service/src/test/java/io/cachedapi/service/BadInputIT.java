package io.cachedapi.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.service.ServiceInstance.Response;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad input gets its 4xx as problem details, never a 500 or a stack trace, and changes nothing. */
class BadInputIT {

    private static final String VALID_PRODUCT = "{\"name\":\"pen\",\"price\":1.50,\"stock\":3}";
    private static final int ONE_MIB = 1024 * 1024;

    private static TestStack stack;
    private static ServiceInstance api;
    private static long productId;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        api = stack.startService("api-0");
        productId = api.post("/products", VALID_PRODUCT).json().get("data").get("id").asLong();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                // malformed or mistyped JSON
                bad(400, "POST", "/users", "{\"name\":\"Ada\",", "not valid JSON"),
                bad(400, "POST", "/users", "", "missing"),
                bad(400, "POST", "/users", "[1,2]", null),
                bad(400, "POST", "/users", "{\"name\":42,\"email\":\"a@b.io\"}", "'name'"),
                bad(400, "POST", "/products", "{\"name\":\"pen\",\"price\":\"1.50\",\"stock\":3}", "'price'"),
                bad(400, "POST", "/products", "{\"name\":\"pen\",\"price\":1.5,\"stock\":2.5}", "'stock'"),
                bad(400, "POST", "/products", "{\"name\":\"pen\",\"price\":1.5,\"stock\":true}", "'stock'"),
                bad(400, "POST", "/products", "{\"name\":\"pen\",\"price\":1.5,\"stock\":99999999999}", "'stock'"),
                // missing, blank or invalid fields
                bad(400, "POST", "/users", "{\"email\":\"a@b.io\"}", "name"),
                bad(400, "POST", "/users", "{\"name\":\"   \",\"email\":\"a@b.io\"}", "name"),
                bad(400, "POST", "/users", "{\"name\":\"Ada\",\"email\":\"not-an-email\"}", "email"),
                bad(400, "POST", "/users", "{\"name\":\"Ada\"}", "email"),
                bad(400, "POST", "/products", "{\"name\":\"pen\",\"price\":-1,\"stock\":3}", "price"),
                bad(400, "POST", "/products", "{\"name\":\"pen\",\"price\":1.5,\"stock\":-3}", "stock"),
                bad(400, "POST", "/products", "{\"name\":\"pen\",\"price\":1.555,\"stock\":3}", "price"),
                bad(400, "POST", "/products", "{\"price\":1.5,\"stock\":3}", "name"),
                bad(400, "PUT", "/products/" + "1", "{\"name\":\"pen\",\"stock\":3}", "price"),
                // ids and paging
                bad(400, "GET", "/products/abc", null, "id"),
                bad(400, "GET", "/products/0", null, "id"),
                bad(400, "GET", "/products/-5", null, "id"),
                bad(400, "GET", "/products/99999999999999999999", null, "id"),
                bad(400, "GET", "/users/1.5", null, "id"),
                bad(400, "DELETE", "/users/abc", null, "id"),
                bad(400, "GET", "/users?limit=0", null, "limit"),
                bad(400, "GET", "/users?limit=1001", null, "limit"),
                bad(400, "GET", "/users?limit=ten", null, "limit"),
                bad(400, "GET", "/users?offset=-1", null, "offset"),
                bad(400, "GET", "/users?offset=99999999999999999999", null, "offset"),
                // routes, methods, media types
                bad(404, "GET", "/nothing/here", null, "/nothing/here"),
                bad(404, "GET", "/users/1/orders", null, null),
                bad(405, "PATCH", "/users", "{}", "PATCH"),
                bad(405, "PUT", "/users/1", "{}", "PUT"),
                bad(405, "DELETE", "/products", null, null),
                bad(404, "GET", "/users/987654", null, "987654"),
                bad(404, "DELETE", "/products/987654", null, "987654"));
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {4}")
    @MethodSource("badRequests")
    void badInputIsAProblemWithItsStatus(String method, String path, String body, String unused, int status,
                                         String detailMentions) {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.uri(path))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        assertProblem(api.send(request), status, detailMentions);
    }

    @Test
    void aBodyOfTheWrongMediaTypeIsRefused() {
        assertProblem(api.send(HttpRequest.newBuilder(api.uri("/users")).header("Content-Type", "text/plain")
                .POST(BodyPublishers.ofString("name=Ada"))), 415, null);
    }

    @Test
    void aBodyAboveOneMebibyteIsRefusedWhetherDeclaredOrStreamed() {
        String huge = "{\"name\":\"" + "a".repeat(ONE_MIB) + "\",\"email\":\"big@example.com\"}";
        assertProblem(api.post("/users", huge), 413, "1 MiB");
        // Without a Content-Length (chunked), the limit applies while reading.
        var chunked = HttpRequest.newBuilder(api.uri("/users")).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge.getBytes())));
        assertProblem(api.send(chunked), 413, "1 MiB");
        assertThat(api.get("/users?limit=1000").body()).doesNotContain("big@example.com");
    }

    @Test
    void refusedWritesChangeNothing() {
        String before = api.get("/products/" + productId).json().get("data").toString();
        assertProblem(api.put("/products/" + productId, "{\"name\":\"\",\"price\":-1,\"stock\":3}"), 400, "name");
        assertProblem(api.put("/products/" + productId, "{\"name\":\"pen\",\"price\":1,\"stock\":\"x\"}"), 400, "stock");
        assertThat(api.get("/products/" + productId).json().get("data").toString()).isEqualTo(before);
    }

    private static void assertProblem(Response response, int status, String detailMentions) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.contentType()).as(response.toString()).startsWith("application/problem+json");
        var problem = response.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asString()).isNotBlank();
        if (detailMentions != null) {
            assertThat(problem.get("detail").asString()).containsIgnoringCase(detailMentions);
        }
        for (String internal : List.of("Exception", "\tat ", "java.", "tools.jackson", "org.springframework", "SQL")) {
            assertThat(response.body()).as("no internals in " + response).doesNotContain(internal);
        }
    }

    private static Arguments bad(int status, String method, String path, String body, String detailMentions) {
        return Arguments.of(method, path, body, "", status, detailMentions);
    }
}
