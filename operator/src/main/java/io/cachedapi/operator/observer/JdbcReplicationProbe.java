package io.cachedapi.operator.observer;

import io.cachedapi.operator.observer.ReplicationReport.InstanceState;
import io.cachedapi.operator.observer.ReplicationReport.Problem;
import io.cachedapi.operator.observer.ReplicationReport.Reason;
import io.cachedapi.operator.observer.ReplicationReport.ReplicaState;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/** The replication check over JDBC, as the superuser (the views it reads hide details from others). */
public final class JdbcReplicationProbe implements ReplicationProbe {

    private final String user;
    private final String password;
    private final Duration timeout;
    private final long maxReplayLagBytes;

    public JdbcReplicationProbe(String user, String password, Duration timeout, long maxReplayLagBytes) {
        this.user = user;
        this.password = password;
        this.timeout = timeout;
        this.maxReplayLagBytes = maxReplayLagBytes;
    }

    @Override
    public ReplicationReport probe(PostgresEndpoint primary, List<PostgresEndpoint> replicas) {
        var upstream = new Upstream(new HashMap<>(), new HashSet<>(), new AtomicReference<>());
        InstanceState primaryState = probePrimary(primary, upstream);
        var replicaStates = new ArrayList<ReplicaState>();
        for (PostgresEndpoint replica : replicas) {
            replicaStates.add(probeReplica(replica, primary, primaryState.reachable(), upstream));
        }
        return new ReplicationReport(primaryState, replicaStates);
    }

    /** One row of the primary's pg_stat_replication, keyed by the replica's application_name. */
    private record WalSender(String state, Long replayLagBytes) {
    }

    /**
     * What the primary says that its replicas are checked against: its WAL senders, the slots that lost
     * their WAL, and its identity (unset
     * while it did not answer).
     */
    private record Upstream(Map<String, WalSender> senders, Set<String> lostSlots, AtomicReference<Identity> identity) {
    }

    /** An instance's system identifier and timeline. */
    private record Identity(String system, long timeline) {
    }

    private InstanceState probePrimary(PostgresEndpoint primary, Upstream upstream) {
        Map<String, WalSender> senders = upstream.senders();
        try (Connection connection = connect(primary)) {
            boolean inRecovery = inRecovery(connection);
            if (inRecovery) {
                return new InstanceState(primary.name(), true, true, null, Optional.of(new Problem(primary.name(),
                        Reason.PrimaryInRecovery,
                        primary + " is the designated primary but answers pg_is_in_recovery() = true")));
            }
            String walLsn;
            try (var statement = connection.createStatement();
                 ResultSet row = statement.executeQuery("select pg_current_wal_lsn()::text")) {
                row.next();
                walLsn = row.getString(1);
            }
            try (var statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("""
                         select application_name, state,
                                pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint as replay_lag_bytes
                         from pg_stat_replication""")) {
                while (rows.next()) {
                    long lag = rows.getLong("replay_lag_bytes");
                    senders.put(rows.getString("application_name"),
                            new WalSender(rows.getString("state"), rows.wasNull() ? null : lag));
                }
            }
            try (var statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery(
                         "select slot_name from pg_replication_slots where wal_status = 'lost'")) {
                while (rows.next()) {
                    upstream.lostSlots().add(rows.getString(1));
                }
            }
            upstream.identity().set(identity(connection));
            return new InstanceState(primary.name(), true, false, walLsn, Optional.empty(),
                    upstream.identity().get().system());
        } catch (SQLException e) {
            return new InstanceState(primary.name(), false, false, null, Optional.of(new Problem(primary.name(),
                    Reason.PrimaryUnreachable, primary + " does not answer: " + e.getMessage())));
        }
    }

    private ReplicaState probeReplica(
            PostgresEndpoint replica, PostgresEndpoint primary, boolean primaryReachable, Upstream upstream) {
        boolean inRecovery;
        String receiverStatus;
        String receiveLsn;
        String replayLsn;
        Identity identity;
        try (Connection connection = connect(replica)) {
            try (var statement = connection.createStatement();
                 ResultSet row = statement.executeQuery("""
                         select pg_is_in_recovery() as in_recovery,
                                (select status from pg_stat_wal_receiver) as receiver_status,
                                pg_last_wal_receive_lsn()::text as receive_lsn,
                                pg_last_wal_replay_lsn()::text as replay_lsn""")) {
                row.next();
                inRecovery = row.getBoolean("in_recovery");
                receiverStatus = row.getString("receiver_status");
                receiveLsn = row.getString("receive_lsn");
                replayLsn = row.getString("replay_lsn");
            }
            identity = identity(connection);
        } catch (SQLException e) {
            return new ReplicaState(replica.name(), false, false, null, null, null, null, null,
                    Optional.of(new Problem(replica.name(), Reason.ReplicaUnreachable,
                            replica + " does not answer: " + e.getMessage())));
        }
        WalSender sender = upstream.senders().get(replica.name());
        String senderState = sender == null ? null : sender.state();
        Long lag = sender == null ? null : sender.replayLagBytes();
        Optional<Problem> problem = cannotFollow(replica, primary, inRecovery, receiverStatus, identity, upstream)
                .or(() -> diagnose(replica, primary, primaryReachable, inRecovery, receiverStatus, sender));
        return new ReplicaState(replica.name(), true, inRecovery, receiverStatus, receiveLsn, replayLsn,
                senderState, lag, problem);
    }

    /**
     * Why a replica can never follow the primary again, if so: only a fresh clone heals that (the
     * lifecycle re-clones it). Asked of a replica in recovery, compared with what the primary answered.
     */
    private static Optional<Problem> cannotFollow(PostgresEndpoint replica, PostgresEndpoint primary, boolean inRecovery,
                                                  String receiverStatus, Identity identity, Upstream upstream) {
        Identity primaryIdentity = upstream.identity().get();
        if (!inRecovery || primaryIdentity == null) {
            return Optional.empty();
        }
        if (!primaryIdentity.system().equals(identity.system())) {
            return Optional.of(new Problem(replica.name(), Reason.OtherSystem, replica + " holds data of another"
                    + " cluster (system identifier " + identity.system() + ", " + primary.name() + " has " + primaryIdentity.system()
                    + "): it can never follow " + primary.name() + " and is cloned afresh"));
        }
        if (identity.timeline() > primaryIdentity.timeline()) {
            return Optional.of(new Problem(replica.name(), Reason.TimelineAhead, replica + " is on timeline "
                    + identity.timeline() + ", later than " + primary.name() + "'s " + primaryIdentity.timeline()
                    + ": it holds history the primary never had, and is cloned afresh"));
        }
        if (!"streaming".equals(receiverStatus)
                && upstream.lostSlots().contains(PostgresEndpoint.slotName(replica.name()))) {
            return Optional.of(new Problem(replica.name(), Reason.SlotLost, replica + " does not stream, and its slot"
                    + " on " + primary.name() + " lost the WAL it needs (it fell more than max_slot_wal_keep_size"
                    + " behind): it is cloned afresh"));
        }
        return Optional.empty();
    }

    /**
     * The instance's system identifier and timeline: a primary's exactly (from the name of the WAL file it
     * writes), a replica's as of its latest restartpoint, which never runs ahead of the timeline it follows.
     */
    private static Identity identity(Connection connection) throws SQLException {
        try (var statement = connection.createStatement();
             ResultSet row = statement.executeQuery("""
                     select (select system_identifier from pg_control_system())::text,
                            case when pg_is_in_recovery() then (select timeline_id from pg_control_checkpoint())
                                 else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int
                            end""")) {
            row.next();
            return new Identity(row.getString(1), row.getLong(2));
        }
    }

    private Optional<Problem> diagnose(PostgresEndpoint replica, PostgresEndpoint primary, boolean primaryReachable,
                                       boolean inRecovery, String receiverStatus, WalSender sender) {
        if (!inRecovery) {
            return Optional.of(new Problem(replica.name(), Reason.ReplicaNotInRecovery, replica
                    + " answers pg_is_in_recovery() = false: it runs as a second primary and receives no changes"
                    + " from " + primary.name() + "; delete its pod: at its next start it rejoins " + primary.name()
                    + " as a replica (pg_rewind, or a fresh clone)"));
        }
        if (!"streaming".equals(receiverStatus)) {
            return Optional.of(new Problem(replica.name(), Reason.WalReceiverNotStreaming, replica
                    + " is in recovery but its WAL receiver is " + (receiverStatus == null ? "not running" : receiverStatus)
                    + "; check that it can reach " + primary.name() + " and that its replication slot exists"));
        }
        if (primaryReachable && (sender == null || !"streaming".equals(sender.state()))) {
            return Optional.of(new Problem(replica.name(), Reason.WalReceiverNotStreaming, primary.name()
                    + " lists no streaming connection from " + replica.name()
                    + (sender == null ? "" : " (its state there is " + sender.state() + ")")
                    + "; the replica streams from another server"));
        }
        if (sender != null && sender.replayLagBytes() != null && sender.replayLagBytes() > maxReplayLagBytes) {
            return Optional.of(new Problem(replica.name(), Reason.ReplicationLagHigh, replica + " replays "
                    + sender.replayLagBytes() + " bytes behind " + primary.name() + " (limit " + maxReplayLagBytes + ")"));
        }
        return Optional.empty();
    }

    private Connection connect(PostgresEndpoint endpoint) throws SQLException {
        return endpoint.connect(user, password, timeout, timeout, "cachedapi-operator");
    }

    private static boolean inRecovery(Connection connection) throws SQLException {
        try (var statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select pg_is_in_recovery()")) {
            row.next();
            return row.getBoolean(1);
        }
    }
}
