package io.cachedapi.operator.liveloop;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * kube-proxy for one Service with a selector: on the Service's own loopback address, one listener per
 * Service port. Each new connection goes to a pod that matches the selector at that moment (labels as
 * the informer has them), is Ready (or not, with {@code publishNotReadyAddresses}) and has an IP, taken
 * in turn (round-robin), on the target port (a number, or a named container port of that pod). With no
 * such pod, or when the chosen pod refuses, the client's connection is reset at once, as a Service
 * without endpoints does. Established connections are never cut when labels change (conntrack keeps
 * them); they end when either side closes.
 */
final class ServiceProxy implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MILLIS = 1000;

    private final String name;
    private final InetAddress address;
    private final List<Integer> ports;
    private final Supplier<Optional<Service>> service;
    private final Supplier<Collection<Pod>> pods;
    private final List<ServerSocket> listeners = new ArrayList<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger turn = new AtomicInteger();

    private ServiceProxy(String name, InetAddress address, List<Integer> ports, Supplier<Optional<Service>> service,
                         Supplier<Collection<Pod>> pods) {
        this.name = name;
        this.address = address;
        this.ports = List.copyOf(ports);
        this.service = service;
        this.pods = pods;
    }

    /** Listens on every port of the Service; fails, naming the address, when one is taken. */
    static ServiceProxy start(String name, InetAddress address, List<Integer> ports, Supplier<Optional<Service>> service,
                              Supplier<Collection<Pod>> pods) {
        var proxy = new ServiceProxy(name, address, ports, service, pods);
        for (int port : ports) {
            try {
                var listener = new ServerSocket();
                proxy.listeners.add(listener);
                listener.bind(new InetSocketAddress(address, port), 50);
                Thread.ofPlatform().daemon().name("proxy-" + name + "-" + port).start(() -> proxy.accept(listener, port));
            } catch (IOException e) {
                proxy.close();
                throw new IllegalStateException("cannot listen for Service " + name + " on "
                        + address.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
            }
        }
        return proxy;
    }

    List<Integer> ports() {
        return ports;
    }

    InetSocketAddress address(int port) {
        return new InetSocketAddress(address, port);
    }

    private void accept(ServerSocket listener, int port) {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                connections.add(client);
                Thread.ofVirtual().name("proxy-" + name + "-connection").start(() -> forward(client, port));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void forward(Socket client, int port) {
        Optional<Socket> backend = connectToEndpoint(port);
        if (backend.isEmpty()) {
            reset(client);
            return;
        }
        Socket server = backend.get();
        connections.add(server);
        var bothDirectionsDone = new CountDownLatch(2);
        Thread.ofVirtual().name("proxy-" + name + "-reply").start(() -> pipe(server, client, bothDirectionsDone));
        pipe(client, server, bothDirectionsDone);
        try {
            bothDirectionsDone.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close(client);
        close(server);
    }

    private Optional<Socket> connectToEndpoint(int port) {
        Optional<Service> current = service.get();
        if (current.isEmpty()) {
            return Optional.empty();
        }
        Service spec = current.get();
        Optional<ServicePort> servicePort = spec.getSpec().getPorts().stream()
                .filter(candidate -> candidate.getPort() == port).findFirst();
        boolean notReadyToo = Boolean.TRUE.equals(spec.getSpec().getPublishNotReadyAddresses());
        List<Pod> endpoints = pods.get().stream()
                .filter(pod -> Pods.matches(spec.getSpec().getSelector(), pod))
                .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null && Pods.ip(pod).isPresent())
                .filter(pod -> notReadyToo || Pods.isReady(pod))
                .sorted(Comparator.comparing(Pods::name))
                .toList();
        if (servicePort.isEmpty() || endpoints.isEmpty()) {
            return Optional.empty();
        }
        Pod chosen = endpoints.get(Math.floorMod(turn.getAndIncrement(), endpoints.size()));
        Optional<Integer> targetPort = Pods.targetPort(chosen, servicePort.get().getTargetPort(), port);
        if (targetPort.isEmpty()) {
            return Optional.empty();
        }
        var socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(Pods.ip(chosen).orElseThrow(), targetPort.get()), CONNECT_TIMEOUT_MILLIS);
            return Optional.of(socket);
        } catch (IOException refused) {
            close(socket);
            return Optional.empty();
        }
    }

    /** Copies one direction until its end, then half-closes the other side so the peer sees the end too. */
    private void pipe(Socket from, Socket to, CountDownLatch done) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException broken) {
            close(from);
            close(to);
        } finally {
            done.countDown();
        }
    }

    /** Closes with a reset, as a connection to a Service without endpoints ends. */
    private void reset(Socket client) {
        try {
            client.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closing is all that is left
        }
        close(client);
    }

    private void close(Socket socket) {
        connections.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        for (ServerSocket listener : listeners) {
            try {
                listener.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        List.copyOf(connections).forEach(this::close);
    }
}
