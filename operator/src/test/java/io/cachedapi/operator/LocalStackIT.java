package io.cachedapi.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.testkit.Directories;
import io.cachedapi.testkit.stack.LocalStack;
import io.cachedapi.testkit.stack.StackSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data plane of the local stack ({@code make up / status / down}) from the operator's rendering of
 * the repository's sample, in a temporary state directory. The service module checks the
 * stack with its API instances.
 */
class LocalStackIT {

    private static final Path SAMPLE = Path.of("../manifests/samples/cachedapi.yaml");

    private Path state;
    private LocalStack stack;

    /** As make up does: the operator renders the sample, the local stack runs the rendering. */
    @BeforeEach
    void prepare() throws IOException {
        state = Files.createTempDirectory("cachedapi-local-");
        CachedApi api = Render.read(SAMPLE);
        api.getSpec().getPostgres().getParameters().put("log_min_duration_statement", "250");
        Path rendered = Files.writeString(state.resolve("rendered.yaml"), Render.yaml(api));
        stack = new LocalStack(state, StackSpec.fromRendering(rendered));
    }

    @AfterEach
    void cleanUp() {
        stack.down();
        Directories.deleteRecursively(state);
    }

    @Test
    void upStartsAStreamingReplicaAndDownLeavesNoProcess() throws Exception {
        Map<String, String> env = stack.up(null);

        assertThat(env).containsKeys("PG_PRIMARY_PORT", "PG_REPLICA_PORTS", "PG_DATABASE", "PG_SUPERUSER",
                "PG_SUPERUSER_PASSWORD", "REDIS_PORT", "REDIS_PASSWORD", "API_URLS");
        assertThat(Files.readString(stack.envFile())).contains("PG_PRIMARY_PORT=" + env.get("PG_PRIMARY_PORT"));
        assertThat(Files.getPosixFilePermissions(stack.envFile()).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        assertThat(env.get("API_URLS")).as("no service jar, no API instance").isEmpty();
        List<String> replicaPorts = List.of(env.get("PG_REPLICA_PORTS").split(","));
        assertThat(replicaPorts).hasSize(1);

        try (Connection primary = connect(env, env.get("PG_PRIMARY_PORT"))) {
            assertThat(query(primary, "show log_min_duration_statement")).as("spec.postgres.parameters, via the rendering")
                    .isEqualTo("250ms");
            primary.createStatement().execute("create table local_stack_check (id int primary key)");
            primary.createStatement().execute("insert into local_stack_check values (42)");
        }
        for (String port : replicaPorts) {
            try (Connection replica = connect(env, port)) {
                assertThat(query(replica, "select pg_is_in_recovery()::text")).isEqualTo("true");
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> "42".equals(query(replica, "select max(id)::text from local_stack_check")));
            }
        }
        assertThat(stack.status())
                .containsPattern("shop-pg-0 +127\\.0\\.0\\.1:\\d+ +primary \\(pg_is_in_recovery = f\\)")
                .containsPattern("replica shop-pg-1: streaming")
                .containsPattern("shop-pg-1 +127\\.0\\.0\\.1:\\d+ +replica \\(pg_is_in_recovery = t\\)")
                .contains("wal receiver: streaming")
                .containsPattern("redis +127\\.0\\.0\\.1:\\d+ +PONG");

        List<ProcessHandle> servers = serverProcesses();
        assertThat(servers).hasSizeGreaterThanOrEqualTo(3);
        assertThat(stack.down()).containsExactly("shop-pg-1", "shop-pg-0", "redis");
        assertThat(servers).noneMatch(ProcessHandle::isAlive);
        assertThat(stack.status()).contains("shop-pg-0").contains("not running");
    }

    @Test
    void upTwiceIsHarmlessAndARestartKeepsPortsPasswordsAndData() throws Exception {
        Map<String, String> first = stack.up(null);
        String startedAt;
        try (Connection primary = connect(first, first.get("PG_PRIMARY_PORT"))) {
            primary.createStatement().execute("create table kept (id int)");
            startedAt = query(primary, "select pg_postmaster_start_time()::text");
        }

        Map<String, String> second = stack.up(null);
        assertThat(second).isEqualTo(first);
        try (Connection primary = connect(second, second.get("PG_PRIMARY_PORT"))) {
            assertThat(query(primary, "select pg_postmaster_start_time()::text")).as("not restarted").isEqualTo(startedAt);
        }

        stack.down();
        Map<String, String> afterRestart = stack.up(null);
        assertThat(afterRestart).isEqualTo(first);
        try (Connection replica = connect(afterRestart, afterRestart.get("PG_REPLICA_PORTS"))) {
            assertThat(query(replica, "select pg_is_in_recovery()::text")).isEqualTo("true");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> "0".equals(query(replica, "select count(*)::text from kept")));
        }
    }

    /** Every server process of the stack, postmasters' children included, from the pid files. */
    private List<ProcessHandle> serverProcesses() throws IOException {
        var processes = new ArrayList<ProcessHandle>();
        try (Stream<Path> pidFiles = Files.find(state, 3, (path, attributes) -> path.endsWith("server.pid"))) {
            for (Path pidFile : pidFiles.toList()) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).ifPresent(server -> {
                    processes.add(server);
                    server.descendants().forEach(processes::add);
                });
            }
        }
        return processes;
    }

    private static Connection connect(Map<String, String> env, String port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + env.get("PG_DATABASE"),
                env.get("PG_SUPERUSER"), env.get("PG_SUPERUSER_PASSWORD"));
    }

    private static String query(Connection connection, String sql) throws SQLException {
        try (ResultSet rows = connection.createStatement().executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
