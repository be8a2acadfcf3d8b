package io.cachedapi.operator.liveloop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The loopback addresses of one {@link LiveCluster}, standing in for pod and Service IPs: Linux routes
 * all of 127.0.0.0/8 to the loopback interface, so each pod can listen on the container's own port at
 * an address of its own. A cluster takes a block {@code 127.0.<block>.0/24}: pods get
 * {@code .10}-{@code .199}, Services {@code .200}-{@code .254}, one address per name for the cluster's
 * life (a recreated pod keeps its address, as a StatefulSet pod keeps its DNS name; no address ever
 * goes to another name).
 */
final class AddressPlan implements AutoCloseable {

    /**
     * A block is claimed by listening on this port at {@code 127.0.<block>.1}: another JVM running a
     * live loop at the same time (a colleague's test run) then takes another block.
     */
    private static final int LEASE_PORT = 47_999;
    private static final int FIRST_POD_HOST = 10;
    private static final int LAST_POD_HOST = 199;
    private static final int FIRST_SERVICE_HOST = 200;
    private static final int LAST_SERVICE_HOST = 254;
    /** Clusters of one JVM take fresh blocks, so nothing left over by an earlier one is ever reached. */
    private static final AtomicInteger NEXT_BLOCK = new AtomicInteger(1);

    private final int block;
    private final ServerSocket lease;
    private final Map<String, InetAddress> pods = new HashMap<>();
    private final Map<String, InetAddress> services = new HashMap<>();

    private AddressPlan(int block, ServerSocket lease) {
        this.block = block;
        this.lease = lease;
    }

    static AddressPlan claim() {
        for (int attempt = 0; attempt < 254; attempt++) {
            int block = 1 + Math.floorMod(NEXT_BLOCK.getAndIncrement() - 1, 254);
            try {
                var lease = new ServerSocket();
                try {
                    lease.bind(new InetSocketAddress(address(block, 1), LEASE_PORT), 1);
                    return new AddressPlan(block, lease);
                } catch (IOException taken) {
                    lease.close();
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot open a socket on loopback", e);
            }
        }
        throw new IllegalStateException("no free block 127.0.<n>.0/24 on loopback: every 127.0.<n>.1:" + LEASE_PORT
                + " is taken (other live loops running?)");
    }

    synchronized InetAddress pod(String podName) {
        return pods.computeIfAbsent(podName, name -> next(pods.size(), FIRST_POD_HOST, LAST_POD_HOST, "pods"));
    }

    synchronized Optional<InetAddress> allocatedPod(String podName) {
        return Optional.ofNullable(pods.get(podName));
    }

    synchronized InetAddress service(String serviceName) {
        return services.computeIfAbsent(serviceName,
                name -> next(services.size(), FIRST_SERVICE_HOST, LAST_SERVICE_HOST, "Services"));
    }

    private InetAddress next(int used, int first, int last, String what) {
        if (first + used > last) {
            throw new IllegalStateException("the live loop has no address left for more than " + used + " " + what);
        }
        return address(block, first + used);
    }

    /** Fails with a clear message when something already listens where a pod or proxy must listen. */
    static void requireFree(InetAddress address, int port, String forWhat) {
        try (var probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(address, port), 1);
        } catch (IOException e) {
            throw new IllegalStateException(address.getHostAddress() + ":" + port + " (for " + forWhat
                    + ") is already in use by another process: " + e.getMessage());
        }
    }

    private static InetAddress address(int block, int host) {
        try {
            return InetAddress.getByAddress(new byte[]{127, 0, (byte) block, (byte) host});
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Override
    public void close() {
        try {
            lease.close();
        } catch (IOException ignored) {
            // the lease ends with the JVM anyway
        }
    }
}
