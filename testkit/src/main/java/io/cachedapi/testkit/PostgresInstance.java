package io.cachedapi.testkit;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * One PostgreSQL server of a {@link PostgresCluster}, run by the operator's {@code start.sh} on
 * 127.0.0.1. Its directory holds {@code data/} (PGDATA), {@code server.log}, {@code server.pid} and
 * the unix socket.
 */
public final class PostgresInstance {

    public static final String HOST = "127.0.0.1";
    private static final String STOP_SIGNAL = "INT";   // fast shutdown: does not wait for clients

    private final String name;
    private final int port;
    private final Path directory;
    private final Path entrypoint;
    private final Map<String, String> environment;   // what the next start sees (the pod's env, in a cluster)
    private final ServerUser user;
    private final PostgresCredentials credentials;
    private final boolean detached;
    private final Duration readyTimeout;
    private ServerProcess process;

    PostgresInstance(String name, int port, Path directory, Path entrypoint, Map<String, String> environment,
                     ServerUser user, PostgresCredentials credentials, boolean detached, Duration readyTimeout) {
        this.name = name;
        this.port = port;
        this.directory = directory;
        this.entrypoint = entrypoint;
        this.environment = new java.util.concurrent.ConcurrentHashMap<>(environment);
        this.user = user;
        this.credentials = credentials;
        this.detached = detached;
        this.readyTimeout = readyTimeout;
        this.process = ServerProcess.attach(name, pidFile(), logFile(), STOP_SIGNAL).orElse(null);
    }

    public String name() {
        return name;
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public Path dataDirectory() {
        return directory.resolve("data");
    }

    public Path logFile() {
        return directory.resolve("server.log");
    }

    private Path pidFile() {
        return directory.resolve("server.pid");
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the server through the bootstrap scripts (bootstrapping an empty PGDATA) and waits until it answers. */
    public void start() {
        if (isRunning()) {
            return;
        }
        launch();
        process.awaitReady(readyTimeout, this::answers);
    }

    /** Starts the scripts without waiting for anything (a test then watches what they do). */
    public void launch() {
        process = ServerProcess.launch(name, List.of(entrypoint.toString()), Map.copyOf(environment), user, logFile(),
                pidFile(), STOP_SIGNAL, detached);
    }

    /** Kills the scripts and the server at once with everything they started (SIGKILL): a pod killed. */
    public void kill() {
        if (process != null) {
            process.killTree();
            process = null;
        }
    }

    /**
     * What the next start reads of the topology, as the pod's env would after the operator changed the
     * topology ConfigMap: the current primary, and whether the cluster has been bootstrapped.
     */
    public void setTopology(PostgresInstance primary, boolean bootstrapped) {
        environment.put("PG_PRIMARY_NAME", primary.name());
        environment.put("PG_PRIMARY_HOST", primary.host());
        environment.put("PG_PRIMARY_PORT", Integer.toString(primary.port()));
        environment.put("PG_BOOTSTRAPPED", Boolean.toString(bootstrapped));
    }

    /** Fast shutdown; waits until the server has exited. */
    public void stop() {
        if (process != null) {
            process.stop();
            process = null;
        }
    }

    /** Sends a signal to the postmaster (STOP/CONT to hang and resume it). */
    public void signal(String signal) {
        if (process != null) {
            process.signal(signal);
        }
    }

    public Optional<ServerProcess> process() {
        return Optional.ofNullable(process);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    public Connection connect(String user, String password, String database) throws SQLException {
        var properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("socketTimeout", "30");
        return DriverManager.getConnection(jdbcUrl(database), properties);
    }

    public Connection connectAsSuperuser() throws SQLException {
        return connect(credentials.superuser(), credentials.superuserPassword(), "postgres");
    }

    private boolean answers() {
        try (Connection connection = connectAsSuperuser(); var statement = connection.createStatement()) {
            return statement.execute("select 1");
        } catch (SQLException notYet) {
            return false;
        }
    }

    @Override
    public String toString() {
        return name + " (" + HOST + ":" + port + ")";
    }
}
