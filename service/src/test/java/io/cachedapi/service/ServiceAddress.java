package io.cachedapi.service;

import io.cachedapi.testkit.PostgresInstance;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a Kubernetes Service in front of PostgreSQL ({@code shop-pg-rw}, {@code shop-pg-ro}) is to the API
 * pods, on a loopback port: each new connection goes to the instance it routes to at that moment, or is
 * reset when it routes to none (a Service without endpoints). Connections already made stay where they
 * are when the route changes (conntrack keeps them) until {@link #endConnections()}: what the operator
 * does to the sessions of a pod it fences, and what makes the pools' next connections take the new route.
 */
final class ServiceAddress implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MILLIS = 1000;

    private final String name;
    private final ServerSocket listener;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile PostgresInstance target;

    private ServiceAddress(String name, ServerSocket listener, PostgresInstance target) {
        this.name = name;
        this.listener = listener;
        this.target = target;
    }

    static ServiceAddress start(String name, PostgresInstance target) {
        try {
            var listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            var address = new ServiceAddress(name, listener, target);
            Thread.ofPlatform().daemon().name("service-" + name).start(address::accept);
            return address;
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen for " + name, e);
        }
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://" + listener.getInetAddress().getHostAddress() + ":" + listener.getLocalPort()
                + "/" + database;
    }

    /** New connections go to {@code instance} from now on. */
    void routeTo(PostgresInstance instance) {
        target = instance;
    }

    /** New connections are reset from now on: no endpoint. */
    void routeToNothing() {
        target = null;
    }

    /** Ends every connection made so far, wherever it leads. */
    void endConnections() {
        List.copyOf(connections).forEach(this::close);
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                connections.add(client);
                Thread.ofVirtual().name("service-" + name + "-connection").start(() -> forward(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void forward(Socket client) {
        Optional<Socket> backend = connect(target);
        if (backend.isEmpty()) {
            reset(client);
            return;
        }
        Socket server = backend.get();
        connections.add(server);
        Thread.ofVirtual().name("service-" + name + "-reply").start(() -> pipe(server, client));
        pipe(client, server);
    }

    private static Optional<Socket> connect(PostgresInstance instance) {
        if (instance == null) {
            return Optional.empty();
        }
        var socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(instance.host(), instance.port()), CONNECT_TIMEOUT_MILLIS);
            return Optional.of(socket);
        } catch (IOException refused) {
            closeQuietly(socket);
            return Optional.empty();
        }
    }

    /** Copies one direction until it ends, then closes both sides: the peer sees the end at once. */
    private void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException broken) {
            // either side went away: both are closed below
        } finally {
            close(from);
            close(to);
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
        closeQuietly(socket);
    }

    private static void closeQuietly(Closeable socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closeQuietly(listener);
        endConnections();
    }
}
