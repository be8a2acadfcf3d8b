package io.cachedapi.operator.liveloop;

import io.cachedapi.testkit.ServerProcess;
import io.cachedapi.testkit.ServerUser;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One run of a container's main process, as the PostgreSQL account, in a session of its own. A
 * container is a process tree that dies as a whole; here the tree has no namespace of its own, and a
 * daemon it started (pg_ctl's temporary postmaster during initdb) leaves it. So when the main process
 * has exited, every process still running whose command line names one of the pod's directories is
 * killed too, as the runtime tears down the container's PID namespace.
 */
final class ContainerProcess {

    private static final Duration POLL = Duration.ofMillis(50);
    /** SIGKILL cannot be refused; this only bounds the wait for the kernel to reap. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private final ServerProcess process;
    /** Any of the pod's directories, as a whole path (shop-pg-1's must not match shop-pg-10's). */
    private final Pattern podDirectories;

    private ContainerProcess(ServerProcess process, List<Path> podDirectories) {
        this.process = process;
        this.podDirectories = Pattern.compile(podDirectories.stream().map(path -> Pattern.quote(path.toString()))
                .collect(Collectors.joining("|", "(", ")(?![\\w.-])")));
    }

    static ContainerProcess launch(String name, List<String> command, Map<String, String> environment, Path logFile,
                                   List<Path> podDirectories) {
        Path pidFile = logFile.resolveSibling(logFile.getFileName() + ".pid");
        // detached: a session of its own and no shutdown hook per process (LiveCluster has one for all)
        return new ContainerProcess(ServerProcess.launch(name, command, environment, ServerUser.forPostgres(), logFile,
                pidFile, "TERM", true), podDirectories);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    void signal(String signal) {
        process.signal(signal);
    }

    /** SIGTERM, then SIGKILL once {@code grace} has passed, then the leftovers: what the runtime does on a stop. */
    void stop(Duration grace) {
        List<ProcessHandle> tree = ProcessHandle.of(process.pid()).stream()
                .flatMap(main -> Stream.concat(Stream.of(main), main.descendants()))
                .toList();
        if (isAlive()) {
            try {
                process.signal("TERM");
            } catch (RuntimeException alreadyGone) {
                // exited meanwhile
            }
            Instant deadline = Instant.now().plus(grace);
            while (isAlive() && Instant.now().isBefore(deadline)) {
                pause();
            }
        }
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitExit(tree);
        killLeftovers();
    }

    /**
     * SIGKILL to the main process and everything it started at once, as when the machine dies: killing
     * the postmaster alone would leave its backends and WAL senders committing and streaming until
     * they notice.
     */
    void killAll() {
        List<ProcessHandle> tree = ProcessHandle.of(process.pid()).stream()
                .flatMap(main -> Stream.concat(Stream.of(main), main.descendants()))
                .toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitExit(tree);
        killLeftovers();
    }

    /** After the main process is gone: kills what it left running (see the class comment). */
    void killLeftovers() {
        List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                .filter(handle -> handle.pid() != ProcessHandle.current().pid())
                .filter(handle -> handle.info().commandLine().map(line -> podDirectories.matcher(line).find()).orElse(false))
                .toList();
        leftovers.forEach(ProcessHandle::destroyForcibly);
        awaitExit(leftovers);
    }

    private static void awaitExit(List<ProcessHandle> processes) {
        Instant deadline = Instant.now().plus(KILL_WAIT);
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && Instant.now().isBefore(deadline)) {
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            // the waits are bounded: finish stopping, and leave the interrupt to the caller
            Thread.currentThread().interrupt();
        }
    }
}
