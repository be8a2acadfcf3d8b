package io.cachedapi.operator.parameters;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Values checked as PostgreSQL parses them, against settings described as PostgreSQL 15's pg_settings does. */
class ParameterCheckTest {

    private static final ParameterCatalogue CATALOGUE = new ParameterCatalogue(Map.of(
            "shared_buffers", new Setting("shared_buffers", "integer", "8kB", 16.0, 1073741823.0, List.of(), "postmaster"),
            "work_mem", new Setting("work_mem", "integer", "kB", 64.0, 2147483647.0, List.of(), "user"),
            "statement_timeout", new Setting("statement_timeout", "integer", "ms", 0.0, 2147483647.0, List.of(), "user"),
            "random_page_cost", new Setting("random_page_cost", "real", null, 0.0, 1.79769e+308, List.of(), "user"),
            "fsync", new Setting("fsync", "bool", null, null, null, List.of(), "sighup"),
            "synchronous_commit", new Setting("synchronous_commit", "enum", null, null, null,
                    List.of("local", "remote_write", "remote_apply", "on", "off"), "user"),
            "application_name", new Setting("application_name", "string", null, null, null, List.of(), "user"),
            "block_size", new Setting("block_size", "integer", null, 8192.0, 8192.0, List.of(), "internal")));

    @Test
    void valuesPostgresAcceptsPass() {
        assertThat(ParameterCheck.problems(params(
                "shared_buffers", "256MB", "work_mem", "4096", "statement_timeout", "30s", "random_page_cost", "1.1",
                "fsync", "on", "synchronous_commit", "REMOTE_APPLY", "application_name", "anything goes",
                "pg_stat_statements.max", "5000"), CATALOGUE)).isEmpty();
        assertThat(ParameterCheck.problems(params("shared_buffers", "128kB", "work_mem", "1GB", "fsync", "tru",
                "statement_timeout", "1min"), CATALOGUE)).isEmpty();
    }

    @Test
    void eachBadValueIsNamedWithWhatToDo() {
        assertThat(ParameterCheck.problems(params("shared_bufers", "1GB"), CATALOGUE)).singleElement()
                .asString().contains("spec.postgres.parameters.shared_bufers").contains("no such parameter");
        assertThat(ParameterCheck.problems(params("shared_buffers", "lots"), CATALOGUE)).singleElement()
                .asString().contains("not a number").contains("8kB");
        assertThat(ParameterCheck.problems(params("shared_buffers", "64kB"), CATALOGUE)).singleElement()
                .asString().contains("out of range").contains("from 16 to 1073741823 (in 8kB)");
        assertThat(ParameterCheck.problems(params("work_mem", "10s"), CATALOGUE)).singleElement()
                .asString().contains("the unit must be one of B, kB, MB, GB, TB");
        assertThat(ParameterCheck.problems(params("random_page_cost", "2ms"), CATALOGUE)).singleElement()
                .asString().contains("takes no unit");
        assertThat(ParameterCheck.problems(params("fsync", "maybe"), CATALOGUE)).singleElement()
                .asString().contains("not a boolean");
        assertThat(ParameterCheck.problems(params("synchronous_commit", "always"), CATALOGUE)).singleElement()
                .asString().contains("not one of local, remote_write, remote_apply, on, off");
        assertThat(ParameterCheck.problems(params("block_size", "8192"), CATALOGUE)).singleElement()
                .asString().contains("read-only");
        assertThat(ParameterCheck.problems(params("statement_timeout", "-5"), CATALOGUE)).singleElement()
                .asString().contains("out of range");
    }

    @Test
    void hostileNumbersAreRefusedAtOnceAndHiddenSpellingsPostgresTakesPass() {
        assertThat(ParameterCheck.problems(params("work_mem", "1e999999999"), CATALOGUE)).singleElement()
                .asString().contains("out of range");
        assertThat(ParameterCheck.problems(params("work_mem", "1e999999999kB"), CATALOGUE)).singleElement()
                .asString().contains("out of range");
        assertThat(ParameterCheck.problems(params("work_mem", "0x1ffffffffffffffff"), CATALOGUE)).singleElement()
                .asString().contains("out of range");
        assertThat(ParameterCheck.problems(params("synchronous_commit", "true", "Shared_Buffers", "256MB"), CATALOGUE))
                .as("an on/off enum takes booleans; names are not case-sensitive").isEmpty();
    }

    private static Map<String, String> params(String... pairs) {
        var params = new LinkedHashMap<String, String>();
        for (int i = 0; i < pairs.length; i += 2) {
            params.put(pairs[i], pairs[i + 1]);
        }
        return params;
    }
}
