package io.cachedapi.operator.liveloop;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Kubelet for one pod (one uid): runs its single container from the pod's own template with
 * {@code restartPolicy: Always}, runs its probes, and reports it all in the pod's status — podIP,
 * phase, the {@code Ready} condition, {@code containerStatuses[].restartCount}.
 * <ul>
 *   <li>When the process exits it is started again after a back-off (0.5 s, doubling, at most 5 s;
 *       back to 0.5 s once a run lasted 10 s), with env and configMap/secret volumes resolved afresh.</li>
 *   <li>A container that cannot be configured yet (a missing ConfigMap key, an address in use) waits
 *       as {@code CreateContainerConfigError} and is retried with the same back-off.</li>
 *   <li>Readiness follows the readiness probe once the startup probe has passed; a failed startup or
 *       liveness probe restarts the container (TERM, then KILL after the grace).</li>
 *   <li>Stopping (the pod was deleted) is TERM, then KILL after {@code terminationGracePeriodSeconds}
 *       capped at 10 s.</li>
 * </ul>
 * The container's output, and a line for each thing kubelet does, go to one log per pod incarnation.
 */
final class PodRuntime {

    private static final Duration TICK = Duration.ofMillis(100);
    private static final Duration FIRST_BACK_OFF = Duration.ofMillis(500);
    private static final Duration MAX_BACK_OFF = Duration.ofSeconds(5);
    private static final Duration STABLE_RUN = Duration.ofSeconds(10);
    private static final Duration MAX_GRACE = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 40;

    private final Pod pod;
    private final Container template;
    private final String address;
    private final Path podDirectory;
    private final Path logFile;
    private final List<Path> ownDirectories;
    private final Node node;
    private final Thread thread;
    private final Object wakeUp = new Object();
    private final Instant podStart = Instant.now();

    private volatile boolean terminating;
    private volatile boolean nodeLost;
    private final Object supervision = new Object();   // held while supervising, and while a disk is replaced
    private volatile boolean terminated;
    private volatile ContainerProcess container;
    private volatile int restartCount;
    private volatile boolean ready;
    private boolean everStarted;
    private boolean started;
    private String waitingReason = "ContainerCreating";
    private String waitingMessage;
    private Instant containerStart;
    private Instant readySince = podStart;
    private Instant nextStart = Instant.now();
    private Duration backOff = FIRST_BACK_OFF;
    private ContainerProbe startupProbe;
    private ContainerProbe readinessProbe;
    private ContainerProbe livenessProbe;

    /** How often mounted ConfigMaps and Secrets follow their objects (the kubelet's sync, shortened). */
    private static final Duration VOLUME_SYNC = Duration.ofSeconds(2);
    private Instant nextVolumeSync = Instant.EPOCH;

    PodRuntime(Pod pod, InetAddress address, Path podDirectory, Path logFile, List<Path> claimDirectories, Node node) {
        List<Container> containers = pod.getSpec().getContainers();
        if (containers.size() != 1) {
            throw new IllegalArgumentException("pod " + Pods.name(pod) + " has " + containers.size()
                    + " containers; the live loop runs pods of exactly one");
        }
        this.pod = pod;
        this.template = containers.getFirst();
        this.address = address.getHostAddress();
        this.podDirectory = podDirectory;
        this.logFile = logFile;
        this.ownDirectories = Stream.concat(Stream.of(podDirectory),
                claimDirectories.stream()).toList();
        this.node = node;
        this.thread = Thread.ofPlatform().daemon().name("kubelet-" + Pods.name(pod)).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    String name() {
        return Pods.name(pod);
    }

    String uid() {
        return Pods.uid(pod);
    }

    String address() {
        return address;
    }

    int restartCount() {
        return restartCount;
    }

    boolean isRunning() {
        ContainerProcess current = container;
        return current != null && current.isAlive();
    }

    OptionalLong pid() {
        ContainerProcess current = container;
        return current == null ? OptionalLong.empty() : OptionalLong.of(current.pid());
    }

    /** Sends a signal to the container's main process (the postmaster, once start.sh has exec'd it). */
    void signal(String signal) {
        ContainerProcess current = container;
        if (current == null) {
            throw new IllegalStateException(name() + " has no running container to signal" + logTail());
        }
        current.signal(signal);
    }

    /**
     * The pod's node is gone: its container dies at once with everything it started, and nothing on
     * that node restarts, probes or reports it any more (the pod object keeps its last status, as the
     * API server does until a node controller notices). A pod recreated after a deletion runs again.
     */
    void loseNode() {
        nodeLost = true;
        ContainerProcess current = container;
        if (current != null) {
            current.killAll();
        }
        note("the node is lost: the container is killed and nothing restarts it");
    }

    /** The pod object is gone: stop the container (asynchronously; see {@link #isTerminated()}). */
    void terminate() {
        terminating = true;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    boolean isTerminated() {
        return terminated;
    }

    /** Waits for the end of {@link #terminate()}: at most the grace and the kills. */
    void awaitTermination() {
        try {
            thread.join(MAX_GRACE.plusSeconds(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of this incarnation's log (container output and kubelet's lines), for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.exists(logFile) ? Files.readAllLines(logFile, StandardCharsets.UTF_8) : List.of();
            return "; last lines of " + logFile + ":\n  "
                    + String.join("\n  ", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "; its log " + logFile + " cannot be read: " + e.getMessage();
        }
    }

    private void run() {
        try {
            node.volumes().prepareNewPod(pod, podDirectory);
            publishStatus();
            while (!terminating) {
                supervise();
                synchronized (wakeUp) {
                    if (!terminating) {
                        wakeUp.wait(TICK.toMillis());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            note("kubelet failed: " + e);
        } finally {
            ContainerProcess current = container;
            if (current != null) {
                note("stopping the container: the pod was deleted");
                current.stop(grace());
                container = null;
            }
            terminated = true;
            node.changed().run();
        }
    }

    /**
     * The pod's disk fails and is replaced by an empty one under the running pod: the container dies
     * with it (SIGKILL), {@code replace} empties the volume while nothing runs, then the kubelet restarts
     * the container as it would after any crash, on the empty volume.
     */
    void replaceDisk(Runnable replace) {
        synchronized (supervision) {
            ContainerProcess current = container;
            if (current != null) {
                current.signal("KILL");
                current.killLeftovers();
            }
            replace.run();
            note("the disk was replaced by an empty one");
        }
    }

    private void supervise() {
        synchronized (supervision) {
            superviseOnce();
        }
    }

    private void superviseOnce() {
        if (nodeLost) {
            return;
        }
        ContainerProcess current = container;
        if (current != null && !current.isAlive()) {
            current.killLeftovers();
            exited("the container's main process exited");
        } else if (current == null && !Instant.now().isBefore(nextStart)) {
            startContainer();
        } else if (current != null) {
            if (!Instant.now().isBefore(nextVolumeSync)) {
                node.volumes().refresh(pod, podDirectory);
                nextVolumeSync = Instant.now().plus(VOLUME_SYNC);
            }
            probe();
        }
    }

    private void startContainer() {
        try {
            ContainerConfig config = ContainerConfig.resolve(pod, template, address, podDirectory, node.env(),
                    node.volumes(), node.dns());
            for (ContainerPort port : Objects.requireNonNullElse(template.getPorts(), List.<ContainerPort>of())) {
                requireFree(port.getContainerPort());
            }
            Instant now = Instant.now();
            startupProbe = ContainerProbe.of(template.getStartupProbe(), config.environment(), config.localise(), address,
                    podDirectory, now);
            readinessProbe = ContainerProbe.of(template.getReadinessProbe(), config.environment(), config.localise(),
                    address, podDirectory, now);
            livenessProbe = ContainerProbe.of(template.getLivenessProbe(), config.environment(), config.localise(),
                    address, podDirectory, now);
            note("starting container " + template.getName() + " (restart count " + restartCount + "): "
                    + String.join(" ", config.command()));
            container = ContainerProcess.launch(name(), config.command(), config.environment(), logFile, ownDirectories);
            containerStart = now;
            started = startupProbe == null;
            everStarted = true;
            waitingReason = null;
            waitingMessage = null;
            publishStatus();
        } catch (ContainerConfigError e) {
            boolean changed = !"CreateContainerConfigError".equals(waitingReason) || !e.getMessage().equals(waitingMessage);
            waitingReason = "CreateContainerConfigError";
            waitingMessage = e.getMessage();
            scheduleRestart(Instant.now());
            if (changed) {
                note("cannot start the container yet: " + e.getMessage());
                publishStatus();
            }
        }
    }

    private void requireFree(int port) throws ContainerConfigError {
        try {
            AddressPlan.requireFree(InetAddress.getByName(address), port, "pod " + name());
        } catch (IllegalStateException | UnknownHostException e) {
            throw new ContainerConfigError(e.getMessage());
        }
    }

    private void probe() {
        Instant now = Instant.now();
        boolean wasReady = ready;
        if (!started && startupProbe.runIfDue(now)) {
            if (startupProbe.succeeded()) {
                started = true;
            } else if (startupProbe.failed()) {
                restart("startup probe failed: " + startupProbe.description());
                return;
            }
        }
        if (started) {
            if (readinessProbe == null) {
                ready = true;
            } else if (readinessProbe.runIfDue(now)) {
                ready = readinessProbe.succeeded() || (ready && !readinessProbe.failed());
            }
            if (livenessProbe != null && livenessProbe.runIfDue(now) && livenessProbe.failed()) {
                restart("liveness probe failed: " + livenessProbe.description());
                return;
            }
        }
        if (ready != wasReady) {
            readySince = now;
            note(ready ? "ready" : "not ready: " + readinessProbe.description());
            publishStatus();
        }
    }

    private void restart(String why) {
        note(why + "; restarting the container");
        container.stop(grace());
        exited(why);
    }

    private void exited(String why) {
        Instant now = Instant.now();
        container = null;
        restartCount++;
        if (ready) {
            readySince = now;
        }
        ready = false;
        started = false;
        if (containerStart != null && Duration.between(containerStart, now).compareTo(STABLE_RUN) >= 0) {
            backOff = FIRST_BACK_OFF;
        }
        scheduleRestart(now);
        waitingReason = "CrashLoopBackOff";
        waitingMessage = why;
        note(why + "; starting it again in " + Duration.between(now, nextStart).toMillis() + " ms");
        publishStatus();
        node.changed().run();
    }

    private void scheduleRestart(Instant now) {
        nextStart = now.plus(backOff);
        backOff = backOff.multipliedBy(2).compareTo(MAX_BACK_OFF) > 0 ? MAX_BACK_OFF : backOff.multipliedBy(2);
    }

    private Duration grace() {
        Duration configured = Duration.ofSeconds(Objects.requireNonNullElse(pod.getSpec().getTerminationGracePeriodSeconds(), 30L));
        return configured.compareTo(MAX_GRACE) > 0 ? MAX_GRACE : configured;
    }

    /** Writes the status of this pod incarnation (never into a newer pod of the same name). */
    private void publishStatus() {
        PodStatus status = status();
        // like kubelet's status manager: a write that lost a race with another writer (the operator labels
        // pods) reads the pod again and retries, or Ready would stay stale until the next change
        for (int attempt = 1; ; attempt++) {
            try {
                node.client().pods().inNamespace(node.namespace()).withName(name()).editStatus(current -> {
                    if (uid().equals(Pods.uid(current))) {
                        current.setStatus(status);
                    }
                    return current;
                });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409 && attempt < 10) {
                    continue;
                }
                // a deleted pod has no status to write; anything else must not stop the container
                if (e.getCode() != 404) {
                    note("cannot write the pod's status: " + e.getMessage());
                }
                return;
            }
        }
    }

    private PodStatus status() {
        ContainerProcess current = container;
        var containerStatus = new ContainerStatusBuilder()
                .withName(template.getName()).withImage(template.getImage()).withImageID("")
                .withReady(ready).withStarted(current != null && started).withRestartCount(restartCount);
        if (current != null) {
            containerStatus.withNewState().withNewRunning().withStartedAt(timestamp(containerStart)).endRunning().endState();
        } else {
            containerStatus.withNewState().withNewWaiting().withReason(waitingReason).withMessage(waitingMessage)
                    .endWaiting().endState();
        }
        return new PodStatusBuilder()
                .withPhase(everStarted ? "Running" : "Pending")
                .withHostIP("127.0.0.1")
                .withPodIP(address).withPodIPs(new PodIP(address))
                .withStartTime(timestamp(podStart))
                .withConditions(
                        Pods.condition("PodScheduled", true, timestamp(podStart)),
                        Pods.condition("Initialized", true, timestamp(podStart)),
                        Pods.condition("ContainersReady", ready, timestamp(readySince)),
                        Pods.condition("Ready", ready, timestamp(readySince)))
                .withContainerStatuses(containerStatus.build())
                .build();
    }

    /** A line in the pod's log, as kubelet's events would say it. */
    private void note(String message) {
        try {
            Files.writeString(logFile, timestamp(Instant.now()) + " live-loop kubelet [" + name() + "]: " + message + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + logFile, e);
        }
    }

    private static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
