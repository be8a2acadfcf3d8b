package io.cachedapi.operator.liveloop;

import io.cachedapi.testkit.ServerUser;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * One probe of a container (startup, readiness or liveness), run as kubelet does: every
 * {@code periodSeconds} after {@code initialDelaySeconds}, a result counting only once
 * {@code successThreshold} / {@code failureThreshold} results in a row agree. Only {@code exec} probes
 * are faked (the command runs as the container's account, with its environment, and with the pod's
 * paths and address: {@code 127.0.0.1} / {@code localhost} mean the pod itself). To keep tests fast,
 * period and initial delay are capped at one second; thresholds and timeouts are the template's.
 */
final class ContainerProbe {

    private static final Duration MAX_PERIOD = Duration.ofSeconds(1);

    private final List<String> command;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final Duration period;
    private final Duration timeout;
    private final int successThreshold;
    private final int failureThreshold;
    private Instant due;
    private int successes;
    private int failures;

    private ContainerProbe(List<String> command, Map<String, String> environment, Path workingDirectory, Probe probe,
                           Instant containerStart) {
        this.command = command;
        this.environment = environment;
        this.workingDirectory = workingDirectory;
        this.period = cap(Objects.requireNonNullElse(probe.getPeriodSeconds(), 10));
        this.timeout = Duration.ofSeconds(Objects.requireNonNullElse(probe.getTimeoutSeconds(), 1));
        this.successThreshold = Objects.requireNonNullElse(probe.getSuccessThreshold(), 1);
        this.failureThreshold = Objects.requireNonNullElse(probe.getFailureThreshold(), 3);
        this.due = containerStart.plus(cap(Objects.requireNonNullElse(probe.getInitialDelaySeconds(), 0)));
    }

    /**
     * The probe of a freshly started container, or null when the template has none.
     *
     * @param localise rewrites each word of the command as the container's own strings are rewritten
     */
    static ContainerProbe of(Probe probe, Map<String, String> environment, UnaryOperator<String> localise,
                             String podAddress, Path workingDirectory, Instant containerStart) throws ContainerConfigError {
        if (probe == null) {
            return null;
        }
        if (probe.getExec() == null) {
            throw new ContainerConfigError("only exec probes are faked by the live loop, not " + probe);
        }
        List<String> command = probe.getExec().getCommand().stream()
                .map(word -> localise.apply(EnvResolver.expand(word, environment)))
                .map(word -> word.replaceAll("(?<![\\w.])(127\\.0\\.0\\.1|localhost)(?![\\w.])", podAddress))
                .toList();
        return new ContainerProbe(command, environment, workingDirectory, probe, containerStart);
    }

    /** Runs the probe when it is due; returns whether it ran. */
    boolean runIfDue(Instant now) {
        if (now.isBefore(due)) {
            return false;
        }
        if (passes()) {
            successes++;
            failures = 0;
        } else {
            failures++;
            successes = 0;
        }
        due = Instant.now().plus(period);
        return true;
    }

    boolean succeeded() {
        return successes >= successThreshold;
    }

    boolean failed() {
        return failures >= failureThreshold;
    }

    String description() {
        return String.join(" ", command) + " (" + failures + " failure(s) in a row)";
    }

    private boolean passes() {
        var builder = new ProcessBuilder(ServerUser.forPostgres().wrap(command))
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Duration cap(int seconds) {
        Duration configured = Duration.ofSeconds(seconds);
        return configured.compareTo(MAX_PERIOD) > 0 ? MAX_PERIOD : configured;
    }
}
