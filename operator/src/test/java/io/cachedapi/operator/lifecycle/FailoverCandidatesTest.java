package io.cachedapi.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.observer.ReplicationReport.ReplicaState;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FailoverCandidatesTest {

    private static final long MAX_LAG = 32L * 1024 * 1024;

    @Test
    void theReplicaThatReceivedTheMostIsChosenThenTheOneThatReplayedTheMost() {
        var behind = replica("shop-pg-1", "0/5000000", "0/5000000");
        var received = replica("shop-pg-2", "0/6000000", "0/5000000");
        var receivedAndReplayed = replica("shop-pg-3", "0/6000000", "0/5800000");

        var choice = FailoverCandidates.choose(List.of(behind, received, receivedAndReplayed), "0/6000000", MAX_LAG, false);

        assertThat(choice.replica()).contains(receivedAndReplayed);
    }

    @Test
    void aReplicaThatDoesNotAnswerIsNotInRecoveryOrIsTooFarBehindIsNeverChosenAndTheReasonIsSaid() {
        var silent = new ReplicaState("shop-pg-1", false, false, null, null, null, null, null, Optional.empty());
        var notReplica = new ReplicaState("shop-pg-2", true, false, null, null, null, null, null, Optional.empty());
        var farBehind = replica("shop-pg-3", "0/1000000", "0/1000000");

        var choice = FailoverCandidates.choose(List.of(silent, notReplica, farBehind), "1/0", MAX_LAG, false);

        assertThat(choice.replica()).isEmpty();
        assertThat(choice.refused()).containsExactly("shop-pg-1 does not answer",
                "shop-pg-2 is not in recovery (not a replica of this cluster)",
                "shop-pg-3 received " + (0x100000000L - 0x1000000L) + " bytes less than the primary had written (limit "
                        + MAX_LAG + ")");
    }

    @Test
    void withoutALastKnownPrimaryPositionNoLagBoundApplies() {
        var farBehind = replica("shop-pg-1", "0/1000000", "0/1000000");

        assertThat(FailoverCandidates.choose(List.of(farBehind), null, MAX_LAG, false).replica()).contains(farBehind);
    }

    @Test
    void positionsAreComparedAsNumbersNotAsText() {
        var nine = replica("shop-pg-1", "0/9000000", "0/9000000");
        var ten = replica("shop-pg-2", "0/10000000", "0/10000000");

        assertThat(FailoverCandidates.choose(List.of(nine, ten), null, MAX_LAG, false).replica()).contains(ten);
    }

    @Test
    void withSynchronousReplicationNoReplicaIsPromotedWhileAnotherDoesNotAnswer() {
        var silent = new ReplicaState("shop-pg-1", false, false, null, null, null, null, null, Optional.empty());
        var streaming = replica("shop-pg-2", "0/6000000", "0/6000000");

        var choice = FailoverCandidates.choose(List.of(silent, streaming), "0/6000000", MAX_LAG, true);

        assertThat(choice.replica()).as("the acknowledged write may be only on shop-pg-1").isEmpty();
        assertThat(choice.refused()).singleElement().asString().contains("shop-pg-1", "every replica answers");
        assertThat(FailoverCandidates.choose(List.of(streaming), "0/6000000", MAX_LAG, true).replica())
                .contains(streaming);
    }

    private static ReplicaState replica(String name, String received, String replayed) {
        return new ReplicaState(name, true, true, "streaming", received, replayed, "streaming", 0L, Optional.empty());
    }
}
