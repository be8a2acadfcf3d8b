package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.lifecycle.PostgresAdmin;
import io.cachedapi.operator.parameters.ParameterCatalogue;
import io.cachedapi.operator.parameters.ParameterState;
import io.cachedapi.operator.parameters.Setting;
import io.cachedapi.operator.observer.PostgresEndpoint;
import io.cachedapi.operator.observer.ProbeFactory;
import io.cachedapi.operator.observer.ReplicationProbe;
import io.cachedapi.operator.observer.ReplicationReport;
import io.cachedapi.operator.observer.ReplicationReport.InstanceState;
import io.cachedapi.operator.observer.ReplicationReport.Problem;
import io.cachedapi.operator.observer.ReplicationReport.Reason;
import io.cachedapi.operator.observer.ReplicationReport.ReplicaState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The probe test double of the operator-level tests: PostgreSQL answers as the test says (every
 * replica streaming, unless named as not in recovery). The JDBC probe itself is tested on real
 * PostgreSQL.
 */
final class FakeProbes implements ProbeFactory, PostgresAdmin.Factory {

    private final Set<String> notInRecovery = ConcurrentHashMap.newKeySet();
    private volatile String lastUser;
    private volatile String lastPassword;

    void replicaNotInRecovery(String pod) {
        notInRecovery.add(pod);
    }

    void allHealthy() {
        notInRecovery.clear();
    }

    String lastPassword() {
        return lastPassword;
    }

    String lastUser() {
        return lastUser;
    }

    @Override
    public ReplicationProbe withCredentials(String user, String password) {
        lastUser = user;
        lastPassword = password;
        return this::report;
    }

    /**
     * Slots are kept as asked (nothing to check at this level); nothing is ever promoted, since the probe
     * always finds the primary answering.
     */
    @Override
    public PostgresAdmin connectingAs(String user, String password) {
        return new PostgresAdmin() {
            @Override
            public void promote(PostgresEndpoint instance) {
                throw new UnsupportedOperationException("no promotion at the mock API server level");
            }

            @Override
            public void reconcileSlots(PostgresEndpoint primary, Set<String> keep, String ownPrefix, boolean renewLost) {
            }

            @Override
            public void setSynchronous(PostgresEndpoint primary, boolean synchronous) {
            }

            @Override
            public void endClientSessions(PostgresEndpoint primary) {
                throw new UnsupportedOperationException("no switchover at the mock API server level");
            }

            @Override
            public boolean receiverStreaming(PostgresEndpoint replica) {
                return false;
            }

            @Override
            public boolean replayedAllReceived(PostgresEndpoint replica) {
                return true;
            }

            @Override
            public void reconnectReceiver(PostgresEndpoint replica, String primary) {
                throw new UnsupportedOperationException("no promotion at the mock API server level");
            }

            /** No file ever reaches a pod at this level: the parameters wait, nothing is reloaded. */
            @Override
            public ParameterState parameters(PostgresEndpoint instance, String fileName) {
                return new ParameterState(Map.of(), List.of(), List.of());
            }

            @Override
            public void reload(PostgresEndpoint instance) {
            }

            /** Two parameters, as PostgreSQL 15 describes them: the full sample's. */
            @Override
            public ParameterCatalogue catalogue(PostgresEndpoint instance) {
                return new ParameterCatalogue(Map.of(
                        "shared_buffers", new Setting("shared_buffers", "integer", "8kB", 16.0, 1073741823.0,
                                List.of(), "postmaster"),
                        "log_min_duration_statement", new Setting("log_min_duration_statement", "integer", "ms",
                                -1.0, 2147483647.0, List.of(), "superuser")));
            }
        };
    }

    private ReplicationReport report(PostgresEndpoint primary, List<PostgresEndpoint> replicas) {
        var primaryState = new InstanceState(primary.name(), true, false, "0/3000000", Optional.empty());
        List<ReplicaState> states = replicas.stream().map(replica -> notInRecovery.contains(replica.name())
                ? new ReplicaState(replica.name(), true, false, null, null, null, null, null,
                        Optional.of(new Problem(replica.name(), Reason.ReplicaNotInRecovery, replica.name()
                                + " answers pg_is_in_recovery() = false: it runs as a primary, not as a replica")))
                : new ReplicaState(replica.name(), true, true, "streaming", "0/3000000", "0/3000000", "streaming",
                        0L, Optional.empty())).toList();
        return new ReplicationReport(primaryState, states);
    }
}
