package io.cachedapi.operator.observer;

import java.util.List;
import java.util.Optional;

/**
 * What the probe found. {@link #healthy()} holds only when the primary answers as a primary and every
 * expected replica is in recovery and streaming from it; otherwise {@link #problems()} names each pod
 * and why, in words a person can act on.
 */
public record ReplicationReport(InstanceState primary, List<ReplicaState> replicas) {

    public ReplicationReport {
        replicas = List.copyOf(replicas);
    }

    /** Why replication is not healthy; the names are the condition reasons the operator reports. */
    public enum Reason {
        PrimaryUnreachable,
        PrimaryInRecovery,
        ReplicaUnreachable,
        ReplicaNotInRecovery,
        WalReceiverNotStreaming,
        ReplicationLagHigh,
        /** Its slot on the primary lost the WAL it needs (max_slot_wal_keep_size): it cannot catch up. */
        SlotLost,
        /** Its data comes from another cluster (another system identifier): it can never follow. */
        OtherSystem,
        /** It is on a later timeline than the primary: it holds history the primary never had. */
        TimelineAhead;

        /** A replica with this problem cannot follow the primary again: only a fresh clone heals it. */
        public boolean needsClone() {
            return this == SlotLost || this == OtherSystem || this == TimelineAhead;
        }
    }

    public record Problem(String instance, Reason reason, String message) {
    }

    /**
     * What one instance answered; {@code walLsn} is the primary's current WAL position (null when it did
     * not answer as a primary), {@code problem} is empty when it is what it should be.
     */
    public record InstanceState(String name, boolean reachable, boolean inRecovery, String walLsn,
                                Optional<Problem> problem, String systemIdentifier) {

        public InstanceState(String name, boolean reachable, boolean inRecovery, String walLsn,
                             Optional<Problem> problem) {
            this(name, reachable, inRecovery, walLsn, problem, null);
        }
    }

    /**
     * A replica as seen from both ends: its own answers (recovery, WAL receiver) and the primary's
     * {@code pg_stat_replication} row for it ({@code replayLagBytes} is null when the primary lists no
     * such row).
     */
    public record ReplicaState(
            String name,
            boolean reachable,
            boolean inRecovery,
            String walReceiverStatus,
            String receiveLsn,
            String replayLsn,
            String primaryReportedState,
            Long replayLagBytes,
            Optional<Problem> problem) {
    }

    public boolean healthy() {
        return problems().isEmpty();
    }

    public List<Problem> problems() {
        return java.util.stream.Stream.concat(
                        primary.problem().stream(),
                        replicas.stream().flatMap(replica -> replica.problem().stream()))
                .toList();
    }

    public Optional<ReplicaState> replica(String name) {
        return replicas.stream().filter(replica -> replica.name().equals(name)).findFirst();
    }
}
