package io.cachedapi.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A redis-server on 127.0.0.1 with a password, maxmemory, eviction policy and append-only file, its
 * state in one directory ({@code redis.conf}, data, {@code server.log}, {@code server.pid}).
 */
public final class RedisServer implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    private static final String STOP_SIGNAL = "TERM";
    private static final int CLIENT_TIMEOUT_MILLIS = 1000;

    private final Path directory;
    private final boolean temporary;
    private final int port;
    private final String password;
    private final ServerUser user;
    private final boolean detached;
    private final Duration readyTimeout;
    private ServerProcess process;

    private RedisServer(Builder builder, Path directory) {
        this.directory = directory;
        this.temporary = builder.directory == null;
        this.user = ServerUser.current();
        Directories.createOwned(directory, user);
        this.port = builder.port > 0 ? builder.port : FreePorts.pick();
        this.password = Secrets.loadOrGenerate(directory.resolve("redis.password"), user);
        this.detached = builder.detached;
        this.readyTimeout = builder.readyTimeout;
        writeConfiguration(builder);
        this.process = ServerProcess.attach("redis", pidFile(), logFile(), STOP_SIGNAL).orElse(null);
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String password() {
        return password;
    }

    public Path logFile() {
        return directory.resolve("server.log");
    }

    private Path pidFile() {
        return directory.resolve("server.pid");
    }

    public java.util.Optional<ServerProcess> process() {
        return java.util.Optional.ofNullable(process);
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public RedisServer start() {
        if (!isRunning()) {
            process = ServerProcess.launch("redis", List.of(Binaries.redisServer().toString(),
                            directory.resolve("redis.conf").toString()),
                    Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", directory.toString()),
                    user, logFile(), pidFile(), STOP_SIGNAL, detached);
            process.awaitReady(readyTimeout, this::ping);
        }
        return this;
    }

    /** Clean shutdown (the append-only file is flushed); waits until the server has exited. */
    public void stop() {
        if (process != null) {
            process.stop();
            process = null;
        }
    }

    /** Freezes the server (SIGSTOP): connections stay open but nothing answers, like a hung Redis. */
    public void hang() {
        process().ifPresent(server -> server.signal("STOP"));
    }

    /** Lets a hung server go on (SIGCONT). */
    public void resume() {
        process().ifPresent(server -> server.signal("CONT"));
    }

    /** True when the server answers PING after authenticating. */
    public boolean ping() {
        try {
            return "PONG".equals(command("PING"));
        } catch (IOException notAnswering) {
            return false;
        }
    }

    /**
     * Sends one command after AUTH and returns the reply as text (simple, error or bulk string),
     * enough for health checks without a client library.
     */
    public String command(String... arguments) throws IOException {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), CLIENT_TIMEOUT_MILLIS);
            socket.setSoTimeout(CLIENT_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.write(encode("AUTH", password));
            out.write(encode(arguments));
            out.flush();
            String auth = readReply(in);
            if (!"OK".equals(auth)) {
                throw new IOException("AUTH refused: " + auth);
            }
            return readReply(in);
        }
    }

    @Override
    public void close() {
        stop();
        if (temporary) {
            Directories.deleteRecursively(directory.getParent());
        }
    }

    private static byte[] encode(String... arguments) {
        var command = new StringBuilder("*").append(arguments.length).append("\r\n");
        for (String argument : arguments) {
            command.append('$').append(argument.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                    .append(argument).append("\r\n");
        }
        return command.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String readReply(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (line == null || line.isEmpty()) {
            throw new IOException("connection closed");
        }
        return switch (line.charAt(0)) {
            case '+', '-', ':' -> line.substring(1);
            case '$' -> {
                int length = Integer.parseInt(line.substring(1));
                if (length < 0) {
                    yield null;
                }
                char[] body = new char[length + 2];
                int read = 0;
                while (read < body.length) {
                    int n = in.read(body, read, body.length - read);
                    if (n < 0) {
                        throw new IOException("connection closed");
                    }
                    read += n;
                }
                yield new String(body, 0, length);
            }
            default -> throw new IOException("unexpected reply " + line);
        };
    }

    private void writeConfiguration(Builder builder) {
        String configuration = String.join("\n",
                "# Written by the CachedApi test kit on every start.",
                "bind " + HOST,
                "port " + port,
                "requirepass " + password,
                "maxmemory " + builder.maxMemory,
                "maxmemory-policy " + builder.maxMemoryPolicy,
                "appendonly " + (builder.appendOnly ? "yes" : "no"),
                "dir " + directory,
                "daemonize no",
                "logfile \"\"",
                "");
        Path file = directory.resolve("redis.conf");
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, configuration);
            user.own(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static final class Builder {
        private Path directory;
        private int port;
        private String maxMemory = "256mb";
        private String maxMemoryPolicy = "allkeys-lru";
        private boolean appendOnly = true;
        private boolean detached;
        private Duration readyTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** Keeps state in this directory across runs instead of a temporary one removed on close. */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder maxMemory(String maxMemory) {
            this.maxMemory = maxMemory;
            return this;
        }

        public Builder maxMemoryPolicy(String maxMemoryPolicy) {
            this.maxMemoryPolicy = maxMemoryPolicy;
            return this;
        }

        public Builder appendOnly(boolean appendOnly) {
            this.appendOnly = appendOnly;
            return this;
        }

        /** A server that outlives this JVM (the local stack). */
        public Builder detached(boolean detached) {
            this.detached = detached;
            return this;
        }

        /** The server, configured but not started. */
        public RedisServer build() {
            Path dir = directory;
            if (dir == null) {
                try {
                    dir = Files.createTempDirectory("cachedapi-redis-").resolve("redis");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new RedisServer(this, dir);
        }

        public RedisServer start() {
            return build().start();
        }
    }
}
