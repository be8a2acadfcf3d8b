package io.cachedapi.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every shell script of the repository passes shellcheck; e2e/run.sh explains itself without Docker. */
class ShellScriptsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", "target", ".local", "node_modules", ".mvn");

    @Test
    void everyShellScriptPassesShellcheck() throws Exception {
        List<Path> scripts = shellScripts();
        assertThat(scripts).extracting(script -> ROOT.relativize(script).toString())
                .contains("scripts/toolchain.sh", ".ci/run", "e2e/run.sh",
                        "operator/src/main/resources/io/cachedapi/operator/postgres/start.sh");
        for (Path script : scripts) {
            Result shellcheck = run(List.of("shellcheck", "--external-sources", "--severity=style", script.toString()),
                    script.getParent(), Map.of());
            assertThat(shellcheck.exit()).as(ROOT.relativize(script) + "\n" + shellcheck.output()).isZero();
        }
    }

    @Test
    void runShHelpWorksWithoutDocker() throws Exception {
        Result help = run(List.of(ROOT.resolve("e2e/run.sh").toString(), "--help"), ROOT,
                Map.of("PATH", "/usr/bin:/bin"));
        assertThat(help.exit()).isZero();
        assertThat(help.output()).contains("usage: e2e/run.sh").contains("Prerequisites")
                .contains("docker").contains("kind").contains("kubectl").contains("helm");
    }

    private static List<Path> shellScripts() throws IOException {
        var scripts = new ArrayList<Path>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path relative = ROOT.relativize(file);
                boolean skipped = false;
                for (Path part : relative) {
                    skipped |= SKIPPED_DIRECTORIES.contains(part.toString());
                }
                if (!skipped && (file.toString().endsWith(".sh") || startsWithShellShebang(file))) {
                    scripts.add(file);
                }
            }
        }
        return scripts;
    }

    private static boolean startsWithShellShebang(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            String head = new String(in.readNBytes(32), StandardCharsets.UTF_8);
            return head.startsWith("#!/usr/bin/env bash") || head.startsWith("#!/bin/bash") || head.startsWith("#!/bin/sh");
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, Path directory, Map<String, String> environment) throws Exception {
        var builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException notInstalled) {
            throw new AssertionError(command.getFirst() + " is missing; run the tests through make test, which installs it",
                    notInstalled);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }
}
