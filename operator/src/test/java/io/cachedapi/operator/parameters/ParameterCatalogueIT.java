package io.cachedapi.operator.parameters;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.lifecycle.JdbcPostgresAdmin;
import io.cachedapi.operator.observer.PostgresEndpoint;
import io.cachedapi.operator.postgres.BootstrapScripts;
import io.cachedapi.testkit.PostgresCluster;
import io.cachedapi.testkit.PostgresInstance;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The catalogue read from a real server, and {@link ParameterCheck} against PostgreSQL's own verdict:
 * for settings a session may change, {@code set_config()} parses a value exactly as the server would
 * read it from a file, so each value the check accepts must be one the server accepts, and each it
 * refuses one the server refuses.
 */
class ParameterCatalogueIT {

    private static PostgresCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = PostgresCluster.builder(BootstrapScripts.writeTo(Files.createTempDirectory("cachedapi-scripts-")).getParent())
                .name("params-pg").replicas(0).start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theCheckAgreesWithTheServerOnEveryValue() throws Exception {
        PostgresInstance primary = cluster.primary();
        var credentials = cluster.credentials();
        ParameterCatalogue catalogue = new JdbcPostgresAdmin(credentials.superuser(), credentials.superuserPassword(),
                Duration.ofSeconds(10)).catalogue(new PostgresEndpoint(primary.name(), primary.host(), primary.port()));
        assertThat(catalogue.get("shared_buffers")).hasValueSatisfying(setting -> {
            assertThat(setting.unit()).isEqualTo("8kB");
            assertThat(setting.needsRestart()).isTrue();
        });
        assertThat(catalogue.get("synchronous_commit").orElseThrow().enumVals()).contains("remote_apply");

        List<Map.Entry<String, String>> values = List.of(
                Map.entry("work_mem", "4MB"), Map.entry("work_mem", "4096"), Map.entry("work_mem", "1GB"),
                Map.entry("work_mem", "32kB"), Map.entry("work_mem", "10s"), Map.entry("work_mem", "4 MB"),
                Map.entry("work_mem", "4mb"), Map.entry("work_mem", "0x1000"), Map.entry("work_mem", "lots"),
                Map.entry("statement_timeout", "30s"), Map.entry("statement_timeout", "1min"),
                Map.entry("statement_timeout", "1.5s"), Map.entry("statement_timeout", "-1"),
                Map.entry("statement_timeout", "5kB"), Map.entry("random_page_cost", "1.1"),
                Map.entry("random_page_cost", "1e1"), Map.entry("random_page_cost", "-1"),
                Map.entry("random_page_cost", "2ms"), Map.entry("enable_seqscan", "off"),
                Map.entry("enable_seqscan", "tru"), Map.entry("enable_seqscan", "maybe"),
                Map.entry("enable_seqscan", "o"), Map.entry("synchronous_commit", "Remote_Apply"),
                Map.entry("synchronous_commit", "always"), Map.entry("application_name", "anything"),
                Map.entry("vacuum_cost_delay", "2ms"), Map.entry("vacuum_cost_delay", "150ms"),
                Map.entry("vacuum_cost_delay", "0.5"));
        var disagreements = new ArrayList<String>();
        try (Connection connection = primary.connectAsSuperuser()) {
            connection.setAutoCommit(false);
            for (Map.Entry<String, String> value : values) {
                boolean checkAccepts = ParameterCheck.problems(Map.of(value.getKey(), value.getValue()), catalogue).isEmpty();
                boolean serverAccepts = serverAccepts(connection, value.getKey(), value.getValue());
                if (checkAccepts != serverAccepts) {
                    disagreements.add(value + ": check " + checkAccepts + ", server " + serverAccepts);
                }
            }
        }
        assertThat(disagreements).isEmpty();
    }

    private static boolean serverAccepts(Connection connection, String name, String value) throws SQLException {
        var savepoint = connection.setSavepoint();
        try (PreparedStatement set = connection.prepareStatement("select set_config(?, ?, true)")) {
            set.setString(1, name);
            set.setString(2, value);
            set.execute();
            return true;
        } catch (SQLException refused) {
            return false;
        } finally {
            connection.rollback(savepoint);
        }
    }
}
