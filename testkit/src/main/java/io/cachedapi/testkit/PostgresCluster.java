package io.cachedapi.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A PostgreSQL primary and its streaming replicas on loopback, each bootstrapped by the operator's
 * scripts exactly as a pod is: instance {@code <name>-0} is the designated primary, the others clone
 * it with pg_basebackup. Closing stops every server and, for a temporary cluster, removes its files.
 */
public final class PostgresCluster implements AutoCloseable {

    private final Path baseDirectory;
    private final boolean temporary;
    private final String database;
    private final PostgresCredentials credentials;
    private final PostgresInstance primary;
    private final List<PostgresInstance> replicas;

    private PostgresCluster(Builder builder, Path baseDirectory) {
        this.baseDirectory = baseDirectory;
        this.temporary = builder.baseDirectory == null;
        this.database = builder.database;
        ServerUser user = ServerUser.forPostgres();
        user.requireWritable(Directories.createOwned(baseDirectory, user));
        Path pgBin = Binaries.postgresBinDir();
        this.credentials = PostgresCredentials.loadOrGenerate(
                Directories.createOwned(baseDirectory.resolve("secrets"), user), user);
        Path entrypoint = builder.scripts.resolve("start.sh");
        if (!Files.isExecutable(entrypoint)) {
            throw new IllegalArgumentException("no executable start.sh in " + builder.scripts);
        }

        var instances = new ArrayList<PostgresInstance>();
        String primaryName = builder.name + "-0";
        int primaryPort = builder.ports.isEmpty() ? FreePorts.pick() : builder.ports.getFirst();
        for (int ordinal = 0; ordinal <= builder.replicas; ordinal++) {
            String name = builder.name + "-" + ordinal;
            int port = ordinal == 0 ? primaryPort
                    : ordinal < builder.ports.size() ? builder.ports.get(ordinal) : FreePorts.pick();
            Path directory = Directories.createOwned(baseDirectory.resolve(name), user);
            var environment = new HashMap<String, String>();
            environment.put("PATH", pgBin + ":/usr/local/bin:/usr/bin:/bin");
            environment.put("HOME", directory.toString());
            environment.put("LANG", "C.UTF-8");
            environment.put("PGDATA", directory.resolve("data").toString());
            environment.put("PGPORT", Integer.toString(port));
            environment.put("PG_LISTEN_ADDRESSES", PostgresInstance.HOST);
            environment.put("PG_SOCKET_DIR", directory.toString());
            environment.put("PG_INSTANCE_NAME", name);
            environment.put("PG_PRIMARY_NAME", primaryName);
            environment.put("PG_PRIMARY_HOST", PostgresInstance.HOST);
            environment.put("PG_PRIMARY_PORT", Integer.toString(primaryPort));
            environment.put("PG_DATABASE", builder.database);
            environment.put("PG_SUPERUSER", credentials.superuser());
            environment.put("PG_REPLICATION_USER", credentials.replicationUser());
            environment.put("PG_APP_USER", credentials.appUser());
            environment.put("PG_SUPERUSER_PASSWORD_FILE", credentials.superuserPasswordFile().toString());
            environment.put("PG_REPLICATION_PASSWORD_FILE", credentials.replicationPasswordFile().toString());
            environment.put("PG_APP_PASSWORD_FILE", credentials.appPasswordFile().toString());
            environment.put("PG_PRIMARY_WAIT_SECONDS", Long.toString(builder.readyTimeout.toSeconds()));
            if (builder.extraConf != null) {
                environment.put("PG_EXTRA_CONF", builder.extraConf.toAbsolutePath().toString());
            }
            instances.add(new PostgresInstance(name, port, directory, entrypoint, environment, user, credentials,
                    builder.detached, builder.readyTimeout));
        }
        this.primary = instances.getFirst();
        this.replicas = List.copyOf(instances.subList(1, instances.size()));
    }

    public static Builder builder(Path scripts) {
        return new Builder(scripts);
    }

    /** Starts every instance that is not running yet: the primary first, then each replica. */
    public PostgresCluster start() {
        try {
            primary.start();
            replicas.forEach(PostgresInstance::start);
            return this;
        } catch (RuntimeException e) {
            if (temporary) {
                close();
            }
            throw e;
        }
    }

    /** The designated primary at start ({@code <name>-0}); after {@link #follow} the topology may name another. */
    public PostgresInstance primary() {
        return primary;
    }

    /**
     * What the operator's topology change does to pods: every instance's next start finds {@code newPrimary}
     * named as the primary, and the cluster marked bootstrapped or not.
     */
    public void setTopology(PostgresInstance newPrimary, boolean bootstrapped) {
        instances().forEach(instance -> instance.setTopology(newPrimary, bootstrapped));
    }

    public List<PostgresInstance> replicas() {
        return replicas;
    }

    public List<PostgresInstance> instances() {
        var all = new ArrayList<PostgresInstance>();
        all.add(primary);
        all.addAll(replicas);
        return all;
    }

    public String database() {
        return database;
    }

    public PostgresCredentials credentials() {
        return credentials;
    }

    public Path baseDirectory() {
        return baseDirectory;
    }

    /** Stops every instance (replicas first); a temporary cluster also removes its files. */
    @Override
    public void close() {
        for (PostgresInstance replica : replicas.reversed()) {
            replica.stop();
        }
        primary.stop();
        if (temporary) {
            Directories.deleteRecursively(baseDirectory);
        }
    }

    public static final class Builder {
        private final Path scripts;
        private String name = "pg";
        private int replicas = 1;
        private String database = "app";
        private Path baseDirectory;
        private List<Integer> ports = List.of();
        private boolean detached;
        private Duration readyTimeout = Duration.ofSeconds(120);
        private Path extraConf;

        private Builder(Path scripts) {
            this.scripts = scripts;
        }

        /** Instance names are {@code <name>-0} (primary), {@code <name>-1}, ... like the pods. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder replicas(int replicas) {
            if (replicas < 0) {
                throw new IllegalArgumentException("replicas must be >= 0, got " + replicas);
            }
            this.replicas = replicas;
            return this;
        }

        public Builder database(String database) {
            this.database = database;
            return this;
        }

        /** Keeps state in this directory across runs instead of a temporary one removed on close. */
        public Builder baseDirectory(Path baseDirectory) {
            this.baseDirectory = baseDirectory;
            return this;
        }

        /** Ports by ordinal (primary first); instances without one get a free port. */
        public Builder ports(List<Integer> ports) {
            this.ports = List.copyOf(ports);
            return this;
        }

        /** Servers that outlive this JVM (the local stack). */
        public Builder detached(boolean detached) {
            this.detached = detached;
            return this;
        }

        /** A file of postgresql.conf lines every instance includes (PG_EXTRA_CONF), like the pg ConfigMap's. */
        public Builder extraConf(Path extraConf) {
            this.extraConf = extraConf;
            return this;
        }

        public Builder readyTimeout(Duration readyTimeout) {
            this.readyTimeout = readyTimeout;
            return this;
        }

        /** The cluster, its instances known but not started (the local stack inspects them). */
        public PostgresCluster build() {
            Path base = baseDirectory;
            if (base == null) {
                try {
                    base = Files.createTempDirectory("cachedapi-pg-");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new PostgresCluster(this, base);
        }

        public PostgresCluster start() {
            return build().start();
        }
    }
}
