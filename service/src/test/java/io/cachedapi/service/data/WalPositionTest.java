package io.cachedapi.service.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The two rules of fences across a promotion: compared only on their own timeline, replaced by a newer one. */
class WalPositionTest {

    private static final WalPosition OLD_TIMELINE_FENCE = new WalPosition(1, 5_000);

    @Test
    void aFenceIsReachedOnItsOwnTimelineOnceTheReplicaHasReplayedThatFar() {
        assertThat(new WalPosition(1, 5_000).reached(OLD_TIMELINE_FENCE)).isTrue();
        assertThat(new WalPosition(1, 9_000).reached(OLD_TIMELINE_FENCE)).isTrue();
        assertThat(new WalPosition(1, 4_999).reached(OLD_TIMELINE_FENCE)).isFalse();
    }

    @Test
    void aPositionOnAnotherTimelineNeverReachesAFenceWhateverItsLsn() {
        WalPosition newTimelineFence = new WalPosition(2, 3_000);
        assertThat(new WalPosition(1, 9_000).reached(newTimelineFence))
                .as("the old primary, not rejoined, far past the new fence on its own timeline").isFalse();
        assertThat(new WalPosition(2, 9_000).reached(OLD_TIMELINE_FENCE))
                .as("a replica of the new primary: the old fence's LSN means nothing there").isFalse();
        assertThat(new WalPosition(0, 9_000).reached(newTimelineFence)).as("a timeline that is unknown").isFalse();
    }

    @Test
    void withoutAFenceAnyServerWillDoAndNoneIsShownToHaveTheLatest() {
        assertThat(new WalPosition(0, 0).reached(WalPosition.NONE)).isTrue();
        assertThat(new WalPosition(7, 1).reached(WalPosition.NONE)).isTrue();
        assertThat(new WalPosition(7, Long.MAX_VALUE - 1).reached(WalPosition.LATEST)).isFalse();
    }

    @Test
    void aFenceOnANewerTimelineReplacesAnOlderOneEvenBelowItsLsn() {
        WalPosition newPrimary = new WalPosition(2, 3_000);
        assertThat(OLD_TIMELINE_FENCE.later(newPrimary)).isEqualTo(newPrimary);
        assertThat(newPrimary.later(OLD_TIMELINE_FENCE)).isEqualTo(newPrimary);
        assertThat(newPrimary.later(new WalPosition(2, 4_000))).isEqualTo(new WalPosition(2, 4_000));
        assertThat(WalPosition.NONE.later(OLD_TIMELINE_FENCE)).isEqualTo(OLD_TIMELINE_FENCE);
        assertThat(WalPosition.LATEST.later(newPrimary)).isEqualTo(WalPosition.LATEST);
    }
}
