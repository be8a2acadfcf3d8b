package io.cachedapi.service;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A history checker (in the manner of Jepsen's): every operation is recorded with when it began and ended
 * (System.nanoTime, on the client) and what it answered; {@link #violations()} then checks every read
 * against the writes acknowledged before it began. The contract it checks: a read that begins after a
 * write was acknowledged, on any instance, returns that write or a later one.
 * <p>
 * Every write stores a value (a <em>tag</em>) no other write stores, so a read's answer names the write it
 * came from. Writes in flight together have no known order; a read is stale only when it returns a write
 * that surely came before one acknowledged before the read began (it ended before that one started), or
 * misses a row whose creation was acknowledged before it began and whose deletion had not started by the
 * time it ended. Writes that failed or whose outcome is unknown are recorded too: they may or may not
 * be seen.
 */
final class History {

    /** What a write did to one entity ({@code product:7}, {@code user:12}). */
    enum Kind { CREATE, UPDATE, DELETE }

    /**
     * @param key          the entity, e.g. {@code product:7}
     * @param tag          the value it stored (0 for a delete)
     * @param acknowledged answered with success; otherwise it may or may not have happened
     */
    record Write(String key, Kind kind, long tag, long start, long end, boolean acknowledged) {
    }

    /** An item read: {@code tag} is null when the answer was 404. */
    record ItemRead(String key, Long tag, long start, long end, String answer) {
    }

    /** A page of users ordered by id: the (id, tag) rows it returned. */
    record PageRead(int limit, long offset, List<long[]> rows, long start, long end, String answer) {
    }

    private final Queue<Write> writes = new ConcurrentLinkedQueue<>();
    private final Queue<ItemRead> itemReads = new ConcurrentLinkedQueue<>();
    private final Queue<PageRead> pageReads = new ConcurrentLinkedQueue<>();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();

    void write(Write write) {
        writes.add(write);
    }

    void read(ItemRead read) {
        itemReads.add(read);
    }

    void read(PageRead read) {
        pageReads.add(read);
    }

    /** A read that did not answer as a read should (not 200 nor 404): a failure whatever the cache did. */
    void failedRead(String description) {
        failures.add(description);
    }

    int reads() {
        return itemReads.size() + pageReads.size();
    }

    int acknowledgedWrites() {
        return (int) writes.stream().filter(Write::acknowledged).count();
    }

    /** Reads since {@code mark} (see {@link #mark()}) are the ones checked by {@link #violations(long)}. */
    long mark() {
        return System.nanoTime();
    }

    /** Every read that failed, or missed a write acknowledged before it began; empty when the history is clean. */
    List<String> violations() {
        return violations(Long.MIN_VALUE);
    }

    /** As {@link #violations()}, for the reads that began at or after {@code since}. */
    List<String> violations(long since) {
        Map<String, List<Write>> byKey = new HashMap<>();
        Map<Long, Write> byTag = new HashMap<>();
        for (Write write : writes) {
            byKey.computeIfAbsent(write.key(), key -> new ArrayList<>()).add(write);
            if (write.kind() != Kind.DELETE) {
                byTag.put(write.tag(), write);
            }
        }
        List<String> violations = new ArrayList<>(failures);
        for (ItemRead read : itemReads) {
            if (read.start() >= since) {
                checkItem(read.key(), read.tag(), read.start(), read.end(), read.answer(), byKey, byTag, violations);
            }
        }
        for (PageRead page : pageReads) {
            if (page.start() >= since) {
                checkPage(page, byKey, byTag, violations);
            }
        }
        return violations;
    }

    private static void checkItem(String key, Long tag, long start, long end, String answer,
                                  Map<String, List<Write>> byKey, Map<Long, Write> byTag, List<String> violations) {
        List<Write> ofKey = byKey.getOrDefault(key, List.of());
        if (tag == null) {
            if (mustExist(ofKey, start, end)) {
                violations.add("missing: " + key + " was created and acknowledged before the read began: " + answer);
            }
            return;
        }
        Write returned = byTag.get(tag);
        if (returned == null || !returned.key().equals(key)) {
            violations.add("unknown value " + tag + " for " + key + ": " + answer);
            return;
        }
        for (Write later : ofKey) {
            if (later.acknowledged() && later.end() < start && returned.end() < later.start()) {
                violations.add("stale: " + key + " returned " + describe(returned) + " after " + describe(later)
                        + " was acknowledged " + micros(start - later.end()) + " µs before the read began: " + answer);
                return;
            }
        }
    }

    /** Created and acknowledged before {@code start}, and no delete of it began before {@code end}. */
    private static boolean mustExist(List<Write> ofKey, long start, long end) {
        boolean created = ofKey.stream().anyMatch(w -> w.kind() == Kind.CREATE && w.acknowledged() && w.end() < start);
        boolean maybeDeleted = ofKey.stream().anyMatch(w -> w.kind() == Kind.DELETE && w.start() < end);
        return created && !maybeDeleted;
    }

    private static void checkPage(PageRead page, Map<String, List<Write>> byKey, Map<Long, Write> byTag,
                                  List<String> violations) {
        for (long[] row : page.rows()) {
            checkItem("user:" + row[0], row[1], page.start(), page.end(), "page " + page.limit() + "@" + page.offset(),
                    byKey, byTag, violations);
        }
        if (page.rows().isEmpty() && page.offset() > 0) {
            return;   // nothing says which ids it should have covered
        }
        // Ordered by id: the page covers every id from its first row (from 0 on the first page) to its last row
        // (to the end when it is not full); each user that must exist in that range must be in it.
        long from = page.offset() == 0 ? Long.MIN_VALUE : page.rows().getFirst()[0];
        long to = page.rows().size() < page.limit() ? Long.MAX_VALUE : page.rows().getLast()[0];
        var present = new java.util.HashSet<Long>();
        page.rows().forEach(row -> present.add(row[0]));
        byKey.forEach((key, ofKey) -> {
            if (!key.startsWith("user:")) {
                return;
            }
            long id = Long.parseLong(key.substring("user:".length()));
            if (id >= from && id <= to && !present.contains(id) && mustExist(ofKey, page.start(), page.end())) {
                violations.add("missing: " + key + " was created and acknowledged before the page "
                        + page.limit() + "@" + page.offset() + " was read, which covers ids " + from + ".." + to
                        + ": " + page.answer());
            }
        });
    }

    private static String describe(Write write) {
        return write.kind().name().toLowerCase() + " " + (write.kind() == Kind.DELETE ? "" : write.tag() + " ");
    }

    private static long micros(long nanos) {
        return nanos / 1_000;
    }

    /** The writes, by start: for a failure message. */
    List<Write> writesOf(String key) {
        return writes.stream().filter(w -> w.key().equals(key)).sorted(Comparator.comparingLong(Write::start)).toList();
    }
}
