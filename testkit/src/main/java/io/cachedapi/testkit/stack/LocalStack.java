package io.cachedapi.testkit.stack;

import io.cachedapi.testkit.Directories;
import io.cachedapi.testkit.FreePorts;
import io.cachedapi.testkit.PostgresCluster;
import io.cachedapi.testkit.PostgresInstance;
import io.cachedapi.testkit.RedisServer;
import io.cachedapi.testkit.ServerProcess;
import io.cachedapi.testkit.ServerUser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One CachedApi as local processes: the Postgres primary and replicas (bootstrapped by the
 * operator's scripts), Redis, and the API instances wired to them by the same CACHEDAPI_* contract
 * the operator gives pods; all state under one directory (normally {@code .local/} in the checkout). Ports and passwords are kept there, so {@code up} is idempotent and a restart reuses
 * the data; {@code stack.env} tells clients where everything is.
 *
 * <pre>
 * state/
 *   stack.properties   name and ports, for the next up
 *   stack.env          KEY=value for clients (0600: it holds passwords)
 *   scripts/           the bootstrap scripts the instances run and extra.conf, from the rendering
 *   pg/                secrets/ and one directory per instance (data/, server.log, server.pid)
 *                      (scripts/ and pg/ link to a directory under /var/tmp when the state is in a
 *                      folder the PostgreSQL account cannot enter, e.g. a checkout under /root)
 *   redis/             redis.conf, data, server.log, server.pid
 *   api/               one directory per API instance (server.log, server.pid)
 * </pre>
 */
public final class LocalStack {

    private static final String HOST = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private final Path state;
    private final StackSpec spec;
    private final ServerUser postgresUser = ServerUser.forPostgres();

    public LocalStack(Path state, StackSpec spec) {
        this.state = state.toAbsolutePath().normalize();
        this.spec = spec;
    }

    public Path envFile() {
        return state.resolve("stack.env");
    }

    /**
     * Starts whatever is not running yet (the primary, each replica, Redis, then the API instances from
     * {@code serviceJar} when given), then writes {@code stack.env}. Returns what it wrote.
     */
    public Map<String, String> up(Path serviceJar) {
        Directories.createOwned(state, postgresUser);
        refuseAnotherRunningStack();
        installPgConfig();

        PostgresCluster cluster = postgres().start();
        RedisServer redis = redis().start();
        stopInstancesBeyond(cluster.instances().size());
        List<ApiInstance> apis = serviceJar == null ? List.of() : apiInstances();
        stopApiInstancesBeyond(apis.size());

        var ports = new Properties();
        ports.setProperty("name", spec.name());
        ports.setProperty("pg.ports", joinPorts(cluster.instances().stream().map(PostgresInstance::port)));
        ports.setProperty("redis.port", Integer.toString(redis.port()));
        ports.setProperty("api.ports", joinPorts(apis.stream().map(ApiInstance::port)));
        storeProperties(ports);

        Map<String, String> contract = wiringContract(cluster, redis);
        for (ApiInstance api : apis) {
            api.start(serviceJar, contract, READY_TIMEOUT);
        }
        Map<String, String> env = environment(cluster, redis, apis);
        writeEnvFile(env);
        return env;
    }

    /** Stops every process of the stack that runs (API instances, replicas, the primary, Redis); data stays. */
    public List<String> down() {
        var stopped = new ArrayList<String>();
        for (ApiInstance api : runningApiInstances()) {
            api.process().ifPresent(process -> {
                process.stop();
                stopped.add(api.name());
            });
        }
        for (Path instance : postgresInstanceDirectories().reversed()) {
            attach(instance).ifPresent(process -> {
                process.stop();
                stopped.add(process.name());
            });
        }
        ServerProcess.attach("redis", redisDirectory().resolve("server.pid"), redisDirectory().resolve("server.log"),
                "TERM").ifPresent(process -> {
                    process.stop();
                    stopped.add("redis");
                });
        return stopped;
    }

    /** The stack's Redis, for benchmarks and drills that stop, start or flush it. */
    public RedisServer redisServer() {
        return redis();
    }

    /** What Postgres and Redis say about themselves: role, replication state and lag, Redis health. */
    public String status() {
        if (!Files.exists(state.resolve("stack.properties"))) {
            return "the local stack is not set up in " + state + " (run make up)\n";
        }
        var out = new StringBuilder();
        PostgresCluster cluster = postgres();
        for (PostgresInstance instance : cluster.instances()) {
            out.append(String.format("%-12s %s:%d  ", instance.name(), HOST, instance.port()));
            if (!instance.isRunning()) {
                out.append("not running\n");
                continue;
            }
            try (Connection connection = instance.connectAsSuperuser()) {
                out.append(describePostgres(connection));
            } catch (SQLException e) {
                out.append("running but not answering: ").append(e.getMessage()).append('\n');
            }
        }
        RedisServer redis = redis();
        out.append(String.format("%-12s %s:%d  ", "redis", HOST, redis.port()));
        out.append(redis.isRunning() ? describeRedis(redis) : "not running\n");
        for (ApiInstance api : storedApiInstances()) {
            out.append(String.format("%-12s %s  %s%n", api.name(), api.url(),
                    api.process().isPresent() ? api.readiness() : "not running"));
        }
        return out.toString();
    }

    /** The API instances the sample asks for, with their stored ports (new ones get free ports). */
    private List<ApiInstance> apiInstances() {
        List<Integer> stored = storedPorts("api.ports");
        var apis = new ArrayList<ApiInstance>();
        for (int ordinal = 0; ordinal < spec.apiReplicas(); ordinal++) {
            String name = spec.apiName() + "-" + ordinal;
            int port = ordinal < stored.size() ? stored.get(ordinal) : FreePorts.pick();
            apis.add(new ApiInstance(name, port, Directories.createOwned(apiDirectory().resolve(name), ServerUser.current())));
        }
        return apis;
    }

    private List<ApiInstance> storedApiInstances() {
        List<Integer> stored = storedPorts("api.ports");
        var apis = new ArrayList<ApiInstance>();
        for (int ordinal = 0; ordinal < stored.size(); ordinal++) {
            String name = spec.apiName() + "-" + ordinal;
            apis.add(new ApiInstance(name, stored.get(ordinal), apiDirectory().resolve(name)));
        }
        return apis;
    }

    /** Every API instance directory with a live process, whatever the sample now says. */
    private List<ApiInstance> runningApiInstances() {
        if (!Files.isDirectory(apiDirectory())) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(apiDirectory())) {
            return dirs.map(dir -> new ApiInstance(dir.getFileName().toString(), 0, dir))
                    .filter(api -> api.process().isPresent()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void stopApiInstancesBeyond(int wanted) {
        String prefix = spec.apiName() + "-";
        runningApiInstances().stream()
                .filter(api -> !api.name().startsWith(prefix) || ordinal(Path.of(api.name())) >= wanted)
                .forEach(api -> api.process().ifPresent(ServerProcess::stop));
    }

    private Path apiDirectory() {
        return state.resolve("api");
    }

    /** The CACHEDAPI_* variables the operator gives API pods, pointing at the local servers. */
    private Map<String, String> wiringContract(PostgresCluster cluster, RedisServer redis) {
        String database = cluster.database();
        List<PostgresInstance> readers = cluster.replicas().isEmpty() ? List.of(cluster.primary()) : cluster.replicas();
        var contract = new LinkedHashMap<String, String>();
        contract.put("CACHEDAPI_DB_WRITE_URL", "jdbc:postgresql://" + HOST + ":" + cluster.primary().port() + "/" + database);
        contract.put("CACHEDAPI_DB_READ_URL", "jdbc:postgresql://" + readers.stream()
                .map(replica -> HOST + ":" + replica.port()).collect(Collectors.joining(","))
                + "/" + database + (readers.size() > 1 ? "?loadBalanceHosts=true" : ""));
        contract.put("CACHEDAPI_DB_USERNAME", cluster.credentials().appUser());
        contract.put("CACHEDAPI_DB_PASSWORD", cluster.credentials().appPassword());
        contract.put("CACHEDAPI_REDIS_HOST", HOST);
        contract.put("CACHEDAPI_REDIS_PORT", Integer.toString(redis.port()));
        contract.put("CACHEDAPI_REDIS_PASSWORD", redis.password());
        contract.put("CACHEDAPI_CACHE_TTL", spec.cacheTtl());
        contract.put("CACHEDAPI_CACHE_TIMEOUT", spec.cacheTimeout());
        return contract;
    }

    private static String joinPorts(Stream<Integer> ports) {
        return ports.map(String::valueOf).collect(Collectors.joining(","));
    }

    private PostgresCluster postgres() {
        Path scripts = scriptsDirectory();
        return PostgresCluster.builder(scripts)
                .name(spec.postgresName())
                .replicas(spec.postgresReplicas())
                .database(spec.database())
                .baseDirectory(postgresUser.reachableDirectory(state.resolve("pg")))
                .extraConf(scripts.resolve(StackSpec.EXTRA_CONF))
                .ports(storedPorts("pg.ports"))
                .detached(true)
                .build();
    }

    private RedisServer redis() {
        return RedisServer.builder()
                .directory(redisDirectory())
                .port(Integer.parseInt(loadProperties().getProperty("redis.port", "0")))
                .maxMemory(spec.redisMaxMemory())
                .maxMemoryPolicy(spec.redisMaxMemoryPolicy())
                .appendOnly(spec.redisAppendOnly())
                .detached(true)
                .build();
    }

    private Map<String, String> environment(PostgresCluster cluster, RedisServer redis, List<ApiInstance> apis) {
        var env = new LinkedHashMap<String, String>();
        env.put("STACK_NAME", spec.name());
        env.put("PG_HOST", HOST);
        env.put("PG_PRIMARY_PORT", Integer.toString(cluster.primary().port()));
        env.put("PG_REPLICA_PORTS", cluster.replicas().stream()
                .map(replica -> Integer.toString(replica.port())).collect(Collectors.joining(",")));
        env.put("PG_DATABASE", cluster.database());
        env.put("PG_SUPERUSER", cluster.credentials().superuser());
        env.put("PG_SUPERUSER_PASSWORD", cluster.credentials().superuserPassword());
        env.put("PG_APP_USER", cluster.credentials().appUser());
        env.put("PG_APP_PASSWORD", cluster.credentials().appPassword());
        env.put("REDIS_HOST", HOST);
        env.put("REDIS_PORT", Integer.toString(redis.port()));
        env.put("REDIS_PASSWORD", redis.password());
        env.put("API_URLS", apis.stream().map(ApiInstance::url).collect(Collectors.joining(",")));
        return env;
    }

    private void refuseAnotherRunningStack() {
        String running = loadProperties().getProperty("name");
        if (running != null && !running.equals(spec.name())
                && postgresInstanceDirectories().stream().anyMatch(dir -> attach(dir).isPresent())) {
            throw new IllegalStateException("the stack '" + running + "' is up in " + state
                    + "; run make down before bringing up '" + spec.name() + "'");
        }
    }

    /** Replicas the sample no longer asks for are stopped (their data stays). */
    private void stopInstancesBeyond(int wanted) {
        String prefix = spec.postgresName() + "-";
        postgresInstanceDirectories().stream()
                .filter(dir -> dir.getFileName().toString().startsWith(prefix) && ordinal(dir) >= wanted)
                .forEach(dir -> attach(dir).ifPresent(ServerProcess::stop));
    }

    /** Writes the pg ConfigMap's files (scripts executable) where the instances run them from. */
    private void installPgConfig() {
        Path target = scriptsDirectory();
        try {
            for (var file : spec.pgConfigFiles().entrySet()) {
                Path copy = target.resolve(file.getKey());
                Files.writeString(copy, file.getValue());
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString(
                        file.getKey().endsWith(".sh") ? "rwxr-xr-x" : "rw-r--r--"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the bootstrap scripts to " + target, e);
        }
    }

    /** Where the instances run the scripts from: a directory the PostgreSQL account can read. */
    private Path scriptsDirectory() {
        return postgresUser.reachableDirectory(state.resolve("scripts"));
    }

    /** Every Postgres instance directory under the state, by ordinal (primaries first). */
    private List<Path> postgresInstanceDirectories() {
        Path base = state.resolve("pg");
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(base)) {
            return dirs.filter(dir -> dir.getFileName().toString().matches(".+-pg-[0-9]+"))
                    .sorted(Comparator.comparingInt(LocalStack::ordinal))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int ordinal(Path instanceDirectory) {
        String name = instanceDirectory.getFileName().toString();
        return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    }

    private static Optional<ServerProcess> attach(Path instanceDirectory) {
        return ServerProcess.attach(instanceDirectory.getFileName().toString(), instanceDirectory.resolve("server.pid"),
                instanceDirectory.resolve("server.log"), "INT");
    }

    private Path redisDirectory() {
        return state.resolve("redis");
    }

    /** Ports kept by the last up of this same stack (none for another stack's state). */
    private List<Integer> storedPorts(String property) {
        Properties stored = loadProperties();
        if (!spec.name().equals(stored.getProperty("name"))) {
            return List.of();
        }
        return Arrays.stream(stored.getProperty(property, "").split(","))
                .filter(port -> !port.isBlank()).map(Integer::parseInt).toList();
    }

    private Properties loadProperties() {
        var properties = new Properties();
        Path file = state.resolve("stack.properties");
        if (Files.exists(file)) {
            try (var reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return properties;
    }

    private void storeProperties(Properties properties) {
        try (var writer = Files.newBufferedWriter(state.resolve("stack.properties"))) {
            properties.store(writer, "local stack ports, reused by the next make up");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeEnvFile(Map<String, String> env) {
        Path file = envFile();
        String content = "# The local stack, written by make up. Load it with: set -a; . " + file + "; set +a\n"
                + env.entrySet().stream().map(entry -> entry.getKey() + "=" + entry.getValue() + "\n")
                .collect(Collectors.joining());
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String describePostgres(Connection connection) throws SQLException {
        var out = new StringBuilder();
        try (Statement statement = connection.createStatement()) {
            boolean inRecovery = queryBoolean(statement, "select pg_is_in_recovery()");
            out.append(inRecovery ? "replica" : "primary")
                    .append(" (pg_is_in_recovery = ").append(inRecovery ? "t" : "f").append(")\n");
            if (inRecovery) {
                try (ResultSet rs = statement.executeQuery("""
                        select r.status, r.sender_host, r.sender_port,
                               pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) as unreplayed,
                               coalesce(round(extract(epoch from now() - pg_last_xact_replay_timestamp())::numeric, 1)
                                        || ' s ago', 'none yet') as last_replay
                        from (select 1) one left join pg_stat_wal_receiver r on true""")) {
                    rs.next();
                    out.append(rs.getString("status") == null
                            ? "    wal receiver: none (not streaming from any primary)\n"
                            : String.format("    wal receiver: %s from %s:%s, received but not replayed %s bytes,"
                                            + " last replayed transaction: %s%n",
                                    rs.getString("status"), rs.getString("sender_host"), rs.getString("sender_port"),
                                    rs.getString("unreplayed"), rs.getString("last_replay")));
                }
            } else {
                try (ResultSet rs = statement.executeQuery("""
                        select application_name, state, sync_state,
                               pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) as lag
                        from pg_stat_replication order by application_name""")) {
                    boolean any = false;
                    while (rs.next()) {
                        any = true;
                        out.append(String.format("    replica %s: %s (%s), replay lag %s bytes%n",
                                rs.getString("application_name"), rs.getString("state"),
                                rs.getString("sync_state"), rs.getString("lag")));
                    }
                    if (!any) {
                        out.append("    no replica connected\n");
                    }
                }
            }
        }
        return out.toString();
    }

    private static boolean queryBoolean(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static String describeRedis(RedisServer redis) {
        try {
            String pong = redis.command("PING");
            String memory = redis.command("INFO", "memory");
            return pong + ", used_memory " + infoField(memory, "used_memory_human")
                    + " of maxmemory " + infoField(memory, "maxmemory_human")
                    + ", policy " + infoField(memory, "maxmemory_policy") + "\n";
        } catch (IOException e) {
            return "running but not answering: " + e.getMessage() + "\n";
        }
    }

    private static String infoField(String info, String field) {
        return info.lines().filter(line -> line.startsWith(field + ":"))
                .map(line -> line.substring(field.length() + 1).strip()).findFirst().orElse("?");
    }
}
