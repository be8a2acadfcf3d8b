package io.cachedapi.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Short-lived helper commands (kill, id, test): run, wait a bounded time, report. */
final class Processes {

    private static final long TIMEOUT_SECONDS = 30;
    /** The Debian package of each helper command, for the message when one is missing. */
    private static final Map<String, String> PACKAGES = Map.of("kill", "procps", "setpriv", "util-linux",
            "setsid", "util-linux", "id", "coreutils", "test", "coreutils");

    private Processes() {
    }

    static int run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + "s");
            }
            return process.exitValue();
        } catch (IOException e) {
            throw missing(command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Says which package brings a command that cannot be run (scripts/toolchain.sh installs them). */
    static UncheckedIOException missing(List<String> command, IOException cause) {
        String name = command.getFirst();
        String hint = PACKAGES.containsKey(name)
                ? "; install the " + PACKAGES.get(name) + " package (scripts/toolchain.sh does, for make test)" : "";
        return new UncheckedIOException("cannot run " + name + hint, cause);
    }

    static String output(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return output;
        } catch (IOException e) {
            throw missing(command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
