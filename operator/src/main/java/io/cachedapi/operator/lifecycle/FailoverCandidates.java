package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.observer.ReplicationReport.ReplicaState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which replica to promote when the primary is lost: one that answers and is in recovery, not further
 * behind the primary's last known position than {@code maxLagBytes} (Patroni's
 * {@code maximum_lag_on_failover}: promoting a replica far behind would silently drop what it missed),
 * and of those the one that received the most WAL, then replayed the most (CloudNativePG's order).
 */
public final class FailoverCandidates {

    private FailoverCandidates() {
    }

    /** The chosen replica, or why none may be promoted. */
    public record Choice(Optional<ReplicaState> replica, List<String> refused) {
    }

    /**
     * @param lastPrimaryLsn the primary's WAL position when it last answered (null: unknown, no lag bound)
     * @param synchronous    commits waited for ANY 1 replica: an acknowledged write may be on any one of
     *                       them, so only with every replica answering is the most advanced one known
     */
    public static Choice choose(List<ReplicaState> replicas, String lastPrimaryLsn, long maxLagBytes,
                                boolean synchronous) {
        long primaryPosition = Lsn.parse(lastPrimaryLsn);
        var fit = new ArrayList<ReplicaState>();
        var refused = new ArrayList<String>();
        List<String> silent = replicas.stream().filter(replica -> !replica.reachable()).map(ReplicaState::name).toList();
        if (synchronous && !silent.isEmpty()) {
            refused.add("synchronous replication: an acknowledged write may be only on " + String.join(", ", silent)
                    + ", which does not answer; no replica is promoted until every replica answers");
            return new Choice(java.util.Optional.empty(), refused);
        }
        for (ReplicaState replica : replicas) {
            if (!replica.reachable()) {
                refused.add(replica.name() + " does not answer");
            } else if (!replica.inRecovery()) {
                refused.add(replica.name() + " is not in recovery (not a replica of this cluster)");
            } else if (primaryPosition >= 0 && primaryPosition - received(replica) > maxLagBytes) {
                refused.add(replica.name() + " received " + (primaryPosition - received(replica))
                        + " bytes less than the primary had written (limit " + maxLagBytes + ")");
            } else {
                fit.add(replica);
            }
        }
        return new Choice(fit.stream().max(Comparator.comparingLong(FailoverCandidates::received)
                .thenComparingLong(replica -> Lsn.parse(replica.replayLsn()))), refused);
    }

    /** What the replica received; a replica that never streamed since it started has only replayed. */
    private static long received(ReplicaState replica) {
        return Math.max(Lsn.parse(replica.receiveLsn()), Lsn.parse(replica.replayLsn()));
    }
}
