package io.cachedapi.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A server process (postgres, redis-server) started by the kit: output to a log file, pid in a pid
 * file, stopped by signal. Detached processes get their own session so they outlive the JVM that
 * started them (the local stack); the others are stopped by their owner and, as a last resort, when
 * the JVM exits.
 */
public final class ServerProcess {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final int LOG_TAIL_LINES = 40;

    private final String name;
    private final long pid;
    private final Path logFile;
    private final Path pidFile;
    private final String stopSignal;
    private Thread lastResortStop;

    private ServerProcess(String name, long pid, Path logFile, Path pidFile, String stopSignal) {
        this.name = name;
        this.pid = pid;
        this.logFile = logFile;
        this.pidFile = pidFile;
        this.stopSignal = stopSignal;
    }

    /**
     * Starts {@code command} as {@code user} with exactly {@code environment}, appending output to
     * {@code logFile}; {@code stopSignal} is the one that shuts the server down cleanly.
     */
    public static ServerProcess launch(String name, List<String> command, Map<String, String> environment,
                                       ServerUser user, Path logFile, Path pidFile, String stopSignal,
                                       boolean detached) {
        var fullCommand = new ArrayList<String>();
        if (detached) {
            fullCommand.add("setsid");
        }
        fullCommand.addAll(user.wrap(command));
        var builder = new ProcessBuilder(fullCommand)
                .directory(logFile.getParent().toFile())   // a folder the server's account can enter
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().clear();
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            var server = new ServerProcess(name, process.pid(), logFile, pidFile, stopSignal);
            Files.writeString(pidFile, Long.toString(process.pid()));
            if (!detached) {
                server.lastResortStop = new Thread(server::stop, "stop-" + name);
                Runtime.getRuntime().addShutdownHook(server.lastResortStop);
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /** The process a pid file names, if it still runs. */
    public static Optional<ServerProcess> attach(String name, Path pidFile, Path logFile, String stopSignal) {
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            Instant written = Files.getLastModifiedTime(pidFile).toInstant();
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(handle -> startedBefore(handle, written))
                    .map(handle -> new ServerProcess(name, pid, logFile, pidFile, stopSignal));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the process was started before its pid file was written: after a reboot the pid may
     * name an unrelated process, which must never be signalled.
     */
    private static boolean startedBefore(ProcessHandle handle, Instant pidFileWritten) {
        return handle.info().startInstant()
                .map(started -> !started.isAfter(pidFileWritten.plusSeconds(1)))
                .orElse(true);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return pid;
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Waits until {@code ready} holds; fails early if the process dies, and always with the log's tail. */
    public void awaitReady(Duration timeout, BooleanSupplier ready) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (ready.getAsBoolean()) {
                return;
            }
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited before it was ready" + logTail());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + "s" + logTail());
            }
            pause(Duration.ofMillis(100));
        }
    }

    /** Sends {@code signal} (e.g. INT, TERM, STOP, CONT) to the process. */
    public void signal(String signal) {
        Processes.run(List.of("kill", "-s", signal, Long.toString(pid)));
    }

    /** Shuts the server down cleanly and waits for it; kills it and its children if it has not exited after a while. */
    public void stop() {
        if (lastResortStop != null && Thread.currentThread() != lastResortStop) {
            try {
                Runtime.getRuntime().removeShutdownHook(lastResortStop);
            } catch (IllegalStateException jvmAlreadyExiting) {
                // the hook runs anyway and finds the server stopped
            }
            lastResortStop = null;
        }
        if (isAlive()) {
            try {
                signal(stopSignal);
            } catch (RuntimeException cannotSignal) {
                // never leave a server running because a helper command is missing: TERM it from here
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            }
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            Instant deadline = Instant.now().plus(STOP_TIMEOUT);
            while (handle.map(ProcessHandle::isAlive).orElse(false) && Instant.now().isBefore(deadline)) {
                pause(Duration.ofMillis(50));
            }
            if (isAlive()) {
                kill();
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL to the process and everything it started, at once; waits until they are gone. */
    public void killTree() {
        if (lastResortStop != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(lastResortStop);
            } catch (IllegalStateException jvmAlreadyExiting) {
                // nothing left to stop then
            }
            lastResortStop = null;
        }
        kill();
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void kill() {
        ProcessHandle.of(pid).ifPresent(handle -> {
            // the whole tree, and wait for all of it: a server's children still holding its shared memory
            // would keep the next server on the same data directory from starting
            List<ProcessHandle> tree = new ArrayList<>(handle.descendants().toList());
            tree.add(handle);
            tree.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle process : tree) {
                process.onExit().orTimeout(STOP_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)
                        .exceptionally(e -> process).join();
            }
        });
    }

    /** The last lines of the log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            return "; last lines of " + logFile + ":\n  " + String.join("\n  ", tail);
        } catch (IOException e) {
            return "; its log " + logFile + " cannot be read: " + e.getMessage();
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
