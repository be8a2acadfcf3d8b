package io.cachedapi.operator.liveloop;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client writing through the {@code -rw} Service without pause, each write on a new connection (so
 * each one is routed afresh, as a pooled client reconnecting would be): the next number of one
 * sequence, one at a time. Every attempt is recorded with its start, end, outcome and the server that
 * committed it, so a test can check the history afterwards: which acknowledged writes survived, when
 * the first write landed on the new primary, and that none landed on the old one after that.
 */
final class SteadyWriter implements AutoCloseable {

    /** One write: {@code server} is the address that committed it, empty when it failed. */
    record Attempt(long sequence, Instant start, Instant end, Optional<String> server) {
        boolean acknowledged() {
            return server.isPresent();
        }
    }

    private final LiveLoop loop;
    private final InetSocketAddress readWrite;
    private final List<Attempt> history = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    private SteadyWriter(LiveLoop loop, InetSocketAddress readWrite) {
        this.loop = loop;
        this.readWrite = readWrite;
        this.thread = Thread.ofPlatform().daemon().name("steady-writer").start(this::run);
    }

    /** Creates the table and starts writing. */
    static SteadyWriter start(LiveLoop loop) throws SQLException {
        InetSocketAddress readWrite = loop.cluster().address(LiveLoop.NAME + "-pg-rw");
        try (Connection connection = loop.connect(readWrite, "app")) {
            LiveLoop.execute(connection, "create table if not exists writes (sequence bigint primary key)");
        }
        return new SteadyWriter(loop, readWrite);
    }

    private void run() {
        long sequence = 0;
        while (running.get()) {
            sequence++;
            Instant start = Instant.now();
            Optional<String> server;
            try (Connection connection = loop.connect(readWrite, "app")) {
                server = Optional.of(LiveLoop.single(connection, "insert into writes values (" + sequence
                        + ") returning host(inet_server_addr())"));
            } catch (SQLException | RuntimeException failed) {
                server = Optional.empty();
                pace();   // a refused connection fails at once: do not spin
            }
            history.add(new Attempt(sequence, start, Instant.now(), server));
        }
    }

    List<Attempt> history() {
        return new ArrayList<>(history);
    }

    /** The acknowledged writes the table, read through {@code -rw} now, does not hold. */
    List<Attempt> lost() throws SQLException {
        var stored = new java.util.HashSet<Long>();
        try (Connection primary = loop.connect(readWrite, "app");
             var statement = primary.createStatement();
             var rows = statement.executeQuery("select sequence from writes")) {
            while (rows.next()) {
                stored.add(rows.getLong(1));
            }
        }
        return history.stream().filter(Attempt::acknowledged).filter(a -> !stored.contains(a.sequence())).toList();
    }

    /** Acknowledged writes begun after {@code instant}. */
    List<Attempt> acknowledgedAfter(Instant instant) {
        return history.stream().filter(Attempt::acknowledged).filter(a -> a.start().isAfter(instant)).toList();
    }

    /** The first acknowledged write begun after {@code instant} on another server than {@code oldServer}. */
    Optional<Attempt> firstElsewhereAfter(Instant instant, String oldServer) {
        return acknowledgedAfter(instant).stream().filter(a -> !a.server().get().equals(oldServer)).findFirst();
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(Duration.ofSeconds(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pace() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
