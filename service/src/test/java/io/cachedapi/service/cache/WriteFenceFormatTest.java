package io.cachedapi.service.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.service.data.WalPosition;
import org.junit.jupiter.api.Test;

/** The write fence as Redis holds it, including what older versions left there. */
class WriteFenceFormatTest {

    @Test
    void aFenceWithItsTimelineIsReadAsIs() {
        assertThat(CacheStore.fenceFrom("83886080", "2")).isEqualTo(new WalPosition(2, 83_886_080));
    }

    @Test
    void noFenceAtAllMeansNoWriteToWaitFor() {
        assertThat(CacheStore.fenceFrom(null, null)).isEqualTo(WalPosition.NONE);
    }

    @Test
    void anLsnWithoutItsTimelineOrAnythingUnreadableSendsReadsToThePrimary() {
        assertThat(CacheStore.fenceFrom("83886080", null)).as("written by a version without timelines")
                .isEqualTo(WalPosition.LATEST);
        assertThat(CacheStore.fenceFrom(null, "2")).isEqualTo(WalPosition.LATEST);
        assertThat(CacheStore.fenceFrom("0/5000000", "2")).isEqualTo(WalPosition.LATEST);
    }
}
