package io.cachedapi.operator.liveloop;

import io.cachedapi.operator.resources.Labels;
import io.cachedapi.testkit.Directories;
import io.cachedapi.testkit.ServerUser;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "live loop" level: what a cluster's controllers and kubelet do, played around fabric8's mock API
 * server, so that every PostgreSQL pod is a real PostgreSQL process started from that pod's own
 * template, and the real operator (its real JDBC probe) reconciles against it.
 *
 * <p>What is faked, and how (each class says more):
 * <ul>
 *   <li>StatefulSet controller ({@link StatefulSetController}) for the sets whose pod template is
 *       labelled {@code app.kubernetes.io/component=postgres}: ordered pod creation, recreation of
 *       deleted pods, scale-down, rolling updates, volume claims and their retention, status.</li>
 *   <li>Kubelet ({@link PodRuntime}) for those pods: the single container's command from the template
 *       run as the PostgreSQL account, with env ({@link EnvResolver}) and volumes ({@link Volumes},
 *       {@link VolumeClaims}) resolved at each start, restarts with back-off, exec probes
 *       ({@link ContainerProbe}), podIP / phase / Ready / restartCount in the status.</li>
 *   <li>Network: each pod gets a loopback address of its own ({@link AddressPlan}) and listens there
 *       on the container's port ({@code PG_LISTEN_ADDRESSES} is set to it); each Service with a
 *       selector gets an address and a proxy that picks a Ready matching pod per connection
 *       ({@link ServiceProxy}); cluster host names in what a container is given are replaced by those
 *       addresses ({@link ClusterDns}); mount paths by local directories ({@link MountTable}).</li>
 *   <li>Other workloads (Redis, the API Deployment) run nothing: their status says ready
 *       ({@link WorkloadStatuses}). A test may play an API pod itself, in its own JVM, with the
 *       environment {@link #deploymentEnvironment} resolves (the service's LiveFailoverIT does).</li>
 * </ul>
 * Not faked: images (the PostgreSQL binaries of this machine run, as the {@code postgres} account
 * rather than the template's uid), resource limits, security contexts, graceful deletion (the mock
 * server removes a deleted pod at once; its container is stopped afterwards, and the controller
 * recreates the pod only once it has stopped), garbage collection, Endpoints objects, Service
 * environment variables, and DNS for this JVM itself (the operator reaches pods by their podIP).
 *
 * <p>Everything runs on daemon threads owned by this object; {@link #close()} stops every process
 * (TERM, then KILL), every proxy, and removes the base directory.
 */
public final class LiveCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LiveCluster.class);
    private static final Duration TICK = Duration.ofMillis(250);
    private static final Duration WAIT = Duration.ofSeconds(90);

    private final KubernetesClient client;
    private final String namespace;
    private final Path baseDirectory;
    private final ServerUser user = ServerUser.forPostgres();
    private final AddressPlan addresses;
    private final VolumeClaims claims;
    private final Node node;
    private final StatefulSetController statefulSets;
    private final WorkloadStatuses workloads;
    private final Map<String, PodRuntime> runtimes = new ConcurrentHashMap<>();
    /** The newest runtime of each pod name, kept after it stopped: its log explains a failure. */
    private final Map<String, PodRuntime> latest = new ConcurrentHashMap<>();
    private final Map<String, Integer> incarnations = new HashMap<>();
    private final Map<String, ServiceProxy> proxies = new ConcurrentHashMap<>();
    private final Map<String, String> proxyFailures = new ConcurrentHashMap<>();
    private final Semaphore wakeUps = new Semaphore(0);
    private final Thread controller;
    private final Thread lastResortClose;
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<Service> services;
    private SharedIndexInformer<StatefulSet> sets;
    private SharedIndexInformer<Deployment> deployments;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LiveCluster(KubernetesClient client, String namespace, Path baseDirectory) {
        this.client = client;
        this.namespace = namespace;
        this.baseDirectory = baseDirectory;
        this.addresses = AddressPlan.claim();
        this.claims = new VolumeClaims(client, namespace, baseDirectory.resolve("volumes"), user);
        var objects = new ConfigObjects(client, namespace);
        var dns = new ClusterDns(namespace, this::service, addresses::service, addresses::allocatedPod);
        this.node = new Node(client, namespace, new EnvResolver(objects), new Volumes(objects, claims, user), dns,
                this::wakeUp);
        this.statefulSets = new StatefulSetController(client, namespace, claims);
        this.workloads = new WorkloadStatuses(client, namespace);
        this.controller = Thread.ofPlatform().daemon().name("live-loop-controllers").unstarted(this::control);
        this.lastResortClose = new Thread(this::close, "live-loop-close");
    }

    /** Starts the fakes for {@code namespace}, in a fresh temporary directory removed by {@link #close()}. */
    public static LiveCluster start(KubernetesClient client, String namespace) {
        Path base;
        try {
            base = Files.createTempDirectory("cachedapi-live-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ServerUser user = ServerUser.forPostgres();
        user.requireWritable(Directories.createOwned(base, user));
        Directories.createOwned(base.resolve("pods"), user);
        Directories.createOwned(base.resolve("logs"), user);
        LiveCluster cluster;
        try {
            cluster = new LiveCluster(client, namespace, base);
        } catch (RuntimeException e) {
            Directories.deleteRecursively(base);
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(cluster.lastResortClose);
        try {
            cluster.pods = client.pods().inNamespace(namespace).inform(cluster.wakeOnChange(), 0);
            cluster.services = client.services().inNamespace(namespace).inform(cluster.wakeOnChange(), 0);
            cluster.sets = client.apps().statefulSets().inNamespace(namespace).inform(cluster.wakeOnChange(), 0);
            cluster.deployments = client.apps().deployments().inNamespace(namespace).inform(cluster.wakeOnChange(), 0);
            cluster.controller.start();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** Where clients connect "through the Service" (its first port). */
    public InetSocketAddress address(String serviceName) {
        ServiceProxy proxy = proxies.get(serviceName);
        if (proxy == null) {
            throw new IllegalStateException("Service " + serviceName + " has no proxy"
                    + Optional.ofNullable(proxyFailures.get(serviceName)).map(why -> ": " + why)
                    .orElse(" (it does not exist yet, is headless or has no selector)"));
        }
        return proxy.address(proxy.ports().getFirst());
    }

    /** The pod's own address and its container's first port, as a client inside the cluster would reach it. */
    public InetSocketAddress podAddress(String pod) {
        Pod current = requirePod(pod);
        int port = current.getSpec().getContainers().getFirst().getPorts().stream().map(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new IllegalStateException(pod + " declares no container port"));
        return new InetSocketAddress(addresses.pod(pod), port);
    }

    /**
     * The environment a pod of Deployment {@code deployment} named {@code podName} would give its first
     * container, resolved as for the pods that run here (secrets and fields read now, cluster host names
     * replaced by addresses). The live loop runs no Deployment's pods: a test that plays one (an API
     * instance in its own JVM) starts it with this.
     */
    public Map<String, String> deploymentEnvironment(String deployment, String podName) {
        Deployment current = client.apps().deployments().inNamespace(namespace).withName(deployment).get();
        if (current == null) {
            throw new IllegalStateException("no Deployment " + deployment + " in " + namespace);
        }
        Pod pod = new PodBuilder()
                .withNewMetadataLike(current.getSpec().getTemplate().getMetadata()).withName(podName)
                .withNamespace(namespace).endMetadata()
                .withSpec(current.getSpec().getTemplate().getSpec())
                .build();
        try {
            var environment = new LinkedHashMap<String, String>();
            node.env().resolve(pod, pod.getSpec().getContainers().getFirst(), addresses.pod(podName).getHostAddress())
                    .forEach((name, value) -> environment.put(name, node.dns().rewrite(value)));
            return environment;
        } catch (ContainerConfigError e) {
            throw new IllegalStateException(podName + " could not start: " + e.getMessage(), e);
        }
    }

    /** Sends a signal (KILL, STOP, CONT, TERM, ...) to the pod's container process: the postmaster once it runs. */
    public void signal(String pod, String signal) {
        runtime(pod).signal(signal);
    }

    /**
     * The pod's node dies: its container is killed (SIGKILL, with all it started) and stays dead, while
     * the pod object keeps saying Running and Ready, as it would until a node controller noticed. Only a
     * deletion of the pod (by the operator, say) brings a new one.
     */
    public void loseNode(String pod) {
        runtime(pod).loseNode();
    }

    /**
     * Hangs the whole server of the pod, as a frozen machine would: SIGSTOP to every process of its
     * container (to the postmaster alone, its open sessions would go on answering). Returns what resumes
     * exactly those processes (SIGCONT), whatever has happened to the pod meanwhile.
     */
    public Runnable freeze(String pod) {
        List<ProcessHandle> frozen = ProcessHandle.of(pid(pod)).stream()
                .flatMap(main -> Stream.concat(Stream.of(main), main.descendants())).toList();
        signal(frozen, "STOP");
        return () -> signal(frozen.stream().filter(ProcessHandle::isAlive).toList(), "CONT");
    }

    private static void signal(List<ProcessHandle> processes, String signal) {
        if (processes.isEmpty()) {
            return;
        }
        var command = new ArrayList<>(List.of("kill", "-s", signal));
        processes.forEach(process -> command.add(Long.toString(process.pid())));
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send " + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes the pod through the API server, as {@code kubectl delete pod} does: the operator sees it. */
    public void deletePod(String pod) {
        client.pods().inNamespace(namespace).withName(pod).delete();
    }

    /** The directory behind the pod's (single) volume claim; it outlives the pod. */
    public Path volume(String pod) {
        List<String> podClaims = sets.getStore().list().stream()
                .filter(set -> pod.matches(Pattern.quote(set.getMetadata().getName()) + "-\\d+"))
                .flatMap(set -> VolumeClaims.names(set, pod).stream())
                .toList();
        if (podClaims.size() != 1) {
            throw new IllegalStateException(pod + " has " + podClaims.size() + " volume claims " + podClaims
                    + "; volume(pod) needs exactly one");
        }
        return claims.local(podClaims.getFirst());
    }

    /**
     * The pod's disk fails under its running container and an empty one takes its place: the container
     * dies, the volume is emptied while nothing runs, and the kubelet restarts the container on it.
     */
    public void replaceDisk(String pod) {
        runtime(pod).replaceDisk(() -> wipeVolume(pod));
    }

    /** Removes everything on the pod's volume (the directory itself stays, as an empty disk would). */
    public void wipeVolume(String pod) {
        try (Stream<Path> contents = Files.list(volume(pod))) {
            contents.forEach(Directories::deleteRecursively);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot wipe the volume of " + pod, e);
        }
    }

    /** Waits until the current pod object has a running container process. */
    public void awaitRunning(String pod) {
        await(pod, "has a running container", () -> currentRuntime(pod).map(PodRuntime::isRunning).orElse(false));
    }

    /** Waits until the current pod object is Ready (its readiness probe passes). */
    public void awaitReady(String pod) {
        await(pod, "is Ready", () -> currentRuntime(pod).isPresent()
                && Optional.ofNullable(pods.getStore().getByKey(namespace + "/" + pod)).map(Pods::isReady).orElse(false));
    }

    /** The last lines of the pod's newest log (container output and the fake kubelet's lines). */
    public String logTail(String pod) {
        return Optional.ofNullable(latest.get(pod)).map(PodRuntime::logTail).orElse("; " + pod + " never ran here");
    }

    /** The current pod's container restarts (a recreated pod starts again at 0). */
    public int restartCount(String pod) {
        return runtime(pod).restartCount();
    }

    /** The current container's main process id (the postmaster once start.sh has exec'd it). */
    public long pid(String pod) {
        return runtime(pod).pid().orElseThrow(() -> new IllegalStateException(pod + " has no running container" + logTail(pod)));
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        wakeUp();
        try {
            controller.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Stream.of(pods, services, sets, deployments).filter(Objects::nonNull).forEach(SharedIndexInformer::close);
        runtimes.values().forEach(PodRuntime::terminate);
        runtimes.values().forEach(PodRuntime::awaitTermination);
        proxies.values().forEach(ServiceProxy::close);
        addresses.close();
        Directories.deleteRecursively(baseDirectory);
        if (Thread.currentThread() != lastResortClose) {
            try {
                Runtime.getRuntime().removeShutdownHook(lastResortClose);
            } catch (IllegalStateException jvmExiting) {
                // the hook finds everything closed
            }
        }
    }

    private void control() {
        while (!closed.get()) {
            try {
                wakeUps.tryAcquire(TICK.toMillis(), TimeUnit.MILLISECONDS);
                wakeUps.drainPermits();
                if (!closed.get()) {
                    reconcile();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the next pass retries, as a controller requeues
                log.warn("live loop: a controller pass failed: {}", e.toString());
            }
        }
    }

    private void reconcile() {
        syncProxies();
        Map<String, Pod> byName = pods.getStore().list().stream()
                .collect(Collectors.toMap(Pods::name, Function.identity()));
        Set<String> terminating = syncRuntimes(byName);
        for (StatefulSet set : sets.getStore().list()) {
            if (runsHere(set.getSpec().getTemplate().getMetadata().getLabels())) {
                statefulSets.reconcile(set, byName, terminating);
            } else {
                workloads.markReady(set);
            }
        }
        deployments.getStore().list().forEach(workloads::markReady);
    }

    /** Kubelet's side: a runtime for each pod that runs here, stopped when its pod object goes. Returns the names still stopping. */
    private Set<String> syncRuntimes(Map<String, Pod> byName) {
        for (PodRuntime runtime : List.copyOf(runtimes.values())) {
            Pod pod = byName.get(runtime.name());
            if (pod == null || !runtime.uid().equals(Pods.uid(pod)) || pod.getMetadata().getDeletionTimestamp() != null) {
                runtime.terminate();
            }
            if (runtime.isTerminated()) {
                runtimes.remove(runtime.name(), runtime);
            }
        }
        for (Pod pod : byName.values()) {
            if (runsHere(pod.getMetadata().getLabels()) && pod.getMetadata().getDeletionTimestamp() == null
                    && !runtimes.containsKey(Pods.name(pod))) {
                startRuntime(pod);
            }
        }
        return runtimes.values().stream().filter(runtime -> !runtime.isTerminated())
                .filter(runtime -> !Optional.ofNullable(byName.get(runtime.name())).map(Pods::uid).orElse("").equals(runtime.uid()))
                .map(PodRuntime::name).collect(Collectors.toSet());
    }

    private void startRuntime(Pod pod) {
        String name = Pods.name(pod);
        int incarnation = incarnations.merge(name, 1, Integer::sum);
        Path logDirectory = Directories.createOwned(baseDirectory.resolve("logs").resolve(name), user);
        Path logFile = logDirectory.resolve("incarnation-" + incarnation + ".log");
        List<Path> claimDirectories = pod.getSpec().getVolumes().stream()
                .filter(volume -> volume.getPersistentVolumeClaim() != null)
                .map(volume -> claims.local(volume.getPersistentVolumeClaim().getClaimName()))
                .toList();
        var runtime = new PodRuntime(pod, addresses.pod(name), baseDirectory.resolve("pods").resolve(name), logFile,
                claimDirectories, node);
        runtimes.put(name, runtime);
        latest.put(name, runtime);
        runtime.start();
    }

    /** kube-proxy's side: a proxy per Service with a selector, rebuilt when its ports change, closed when it goes. */
    private void syncProxies() {
        var wanted = new HashMap<String, List<Integer>>();
        for (Service service : services.getStore().list()) {
            Map<String, String> selector = service.getSpec().getSelector();
            if (!ClusterDns.isHeadless(service) && selector != null && !selector.isEmpty()) {
                wanted.put(service.getMetadata().getName(),
                        service.getSpec().getPorts().stream().map(ServicePort::getPort).toList());
            }
        }
        proxies.entrySet().removeIf(entry -> {
            boolean stale = !entry.getValue().ports().equals(wanted.get(entry.getKey()));
            if (stale) {
                entry.getValue().close();
            }
            return stale;
        });
        wanted.forEach((name, ports) -> {
            if (proxies.containsKey(name)) {
                return;
            }
            try {
                proxies.put(name, ServiceProxy.start(name, addresses.service(name), ports, () -> service(name),
                        () -> pods.getStore().list()));
                proxyFailures.remove(name);
            } catch (IllegalStateException e) {
                if (!e.getMessage().equals(proxyFailures.put(name, e.getMessage()))) {
                    log.warn("live loop: {}", e.getMessage());
                }
            }
        });
    }

    private Optional<Service> service(String name) {
        return Optional.ofNullable(services.getStore().getByKey(namespace + "/" + name));
    }

    private static boolean runsHere(Map<String, String> labels) {
        return labels != null && Labels.POSTGRES.equals(labels.get(Labels.COMPONENT));
    }

    private Pod requirePod(String pod) {
        Pod current = client.pods().inNamespace(namespace).withName(pod).get();
        if (current == null) {
            throw new IllegalStateException("no pod " + pod + " in " + namespace + logTail(pod));
        }
        return current;
    }

    private Optional<PodRuntime> currentRuntime(String pod) {
        Optional<String> uid = Optional.ofNullable(pods.getStore().getByKey(namespace + "/" + pod)).map(Pods::uid);
        return Optional.ofNullable(runtimes.get(pod)).filter(runtime -> uid.isPresent() && uid.get().equals(runtime.uid()));
    }

    private PodRuntime runtime(String pod) {
        return currentRuntime(pod).orElseThrow(() -> new IllegalStateException(pod + " does not run here now" + logTail(pod)));
    }

    private void await(String pod, String what, BooleanSupplier condition) {
        try {
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(pod + " " + what + ": not within " + WAIT.toSeconds() + " s" + logTail(pod), e);
        }
    }

    private void wakeUp() {
        wakeUps.release();
    }

    private <T extends HasMetadata> ResourceEventHandler<T> wakeOnChange() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T added) {
                wakeUp();
            }

            @Override
            public void onUpdate(T before, T after) {
                wakeUp();
            }

            @Override
            public void onDelete(T deleted, boolean finalStateUnknown) {
                wakeUp();
            }
        };
    }
}
