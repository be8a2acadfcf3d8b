package io.cachedapi.operator.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapScriptsTest {

    @Test
    void shipsTheEntryPointAndEveryScriptItRuns() {
        assertThat(BootstrapScripts.contents())
                .containsOnlyKeys("start.sh", "init-primary.sh", "init-replica.sh", "rejoin.sh", "common.sh")
                .allSatisfy((name, content) -> assertThat(content).as(name)
                        .startsWith(name.equals("common.sh") ? "# shellcheck shell=bash\n" : "#!/usr/bin/env bash\n"));
    }

    @Test
    void writtenScriptsAreExecutableByEveryAccount(@TempDir Path directory) throws IOException {
        Path entrypoint = BootstrapScripts.writeTo(directory.resolve("scripts"));

        assertThat(entrypoint.getFileName()).hasToString(BootstrapScripts.ENTRYPOINT);
        for (String name : BootstrapScripts.contents().keySet()) {
            assertThat(Files.getPosixFilePermissions(entrypoint.resolveSibling(name)).toString()).as(name)
                    .contains("OTHERS_READ", "OTHERS_EXECUTE");
        }
    }

    /** The scripts run in pods and in every data-plane test; shellcheck catches quoting and sourcing mistakes. */
    @Test
    void passShellcheck(@TempDir Path directory) throws Exception {
        BootstrapScripts.writeTo(directory);
        var command = new ArrayList<>(List.of("shellcheck", "--external-sources", "--severity=style"));
        BootstrapScripts.contents().keySet().forEach(command::add);
        Process shellcheck;
        try {
            shellcheck = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            throw new AssertionError("shellcheck is not installed; run the tests through make test, which installs it",
                    notInstalled);
        }
        String report = new String(shellcheck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(shellcheck.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(shellcheck.exitValue()).as(report).isZero();
    }
}
