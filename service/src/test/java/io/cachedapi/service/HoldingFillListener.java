package io.cachedapi.service;

import io.cachedapi.service.cache.CacheFillListener;
import io.cachedapi.service.cache.CacheKey;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Holds the reader that is about to fill a chosen key, until the test lets it go. */
final class HoldingFillListener implements CacheFillListener {

    private static final Duration MAX_HOLD = Duration.ofSeconds(30);

    private volatile Hold hold;

    Hold arm(String key) {
        Hold armed = new Hold(key);
        hold = armed;
        return armed;
    }

    @Override
    public void beforeFill(CacheKey key) {
        Hold armed = hold;
        if (armed != null && armed.key.equals(key.key())) {
            armed.reached.countDown();
            try {
                if (!armed.released.await(MAX_HOLD.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("the test never released " + key.key());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class Hold {
        private final String key;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Hold(String key) {
            this.key = key;
        }

        /** Waits until a reader is held, loaded value in hand. */
        void awaitReader() throws InterruptedException {
            if (!reached.await(MAX_HOLD.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("no reader came to fill " + key);
            }
        }

        void release() {
            released.countDown();
        }
    }
}
