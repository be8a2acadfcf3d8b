package io.cachedapi.service.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Concurrent calls with the same key share one execution: the first runs {@code load}, the others
 * wait for its result (or its exception). A key is free again as soon as its execution ends.
 */
final class SingleFlight<T> {

    private final ConcurrentHashMap<String, CompletableFuture<T>> inFlight = new ConcurrentHashMap<>();
    private final Runnable onJoin;

    /** @param onJoin told each time a call waits for another's execution instead of running its own */
    SingleFlight(Runnable onJoin) {
        this.onJoin = onJoin;
    }

    T run(String key, Supplier<T> load) {
        var mine = new CompletableFuture<T>();
        CompletableFuture<T> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            onJoin.run();
            return join(running);
        }
        try {
            T value = load.get();
            mine.complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private static <T> T join(CompletableFuture<T> running) {
        try {
            return running.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
