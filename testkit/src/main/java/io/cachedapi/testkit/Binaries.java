package io.cachedapi.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Where the server binaries are: an explicit variable first, then the usual Debian locations, then PATH. */
public final class Binaries {

    private static final String INSTALL_HINT = "; 'make test' and 'make up' install it (scripts/toolchain.sh)";

    private Binaries() {
    }

    /** The directory holding postgres, initdb, pg_ctl, pg_basebackup, psql (CACHEDAPI_PG_BINDIR overrides). */
    public static Path postgresBinDir() {
        return fromEnvironment("CACHEDAPI_PG_BINDIR")
                .or(Binaries::newestDebianPostgres)
                .or(() -> onPath("postgres").map(Path::getParent))
                .filter(dir -> Files.isExecutable(dir.resolve("postgres")))
                .orElseThrow(() -> new IllegalStateException(
                        "PostgreSQL server binaries (postgres, initdb, pg_basebackup) not found; set CACHEDAPI_PG_BINDIR"
                                + INSTALL_HINT));
    }

    /** The redis-server executable (CACHEDAPI_REDIS_SERVER overrides). */
    public static Path redisServer() {
        return fromEnvironment("CACHEDAPI_REDIS_SERVER")
                .or(() -> onPath("redis-server"))
                .filter(Files::isExecutable)
                .orElseThrow(() -> new IllegalStateException(
                        "redis-server not found; set CACHEDAPI_REDIS_SERVER" + INSTALL_HINT));
    }

    private static Optional<Path> fromEnvironment(String variable) {
        return Optional.ofNullable(System.getenv(variable)).filter(value -> !value.isBlank()).map(Path::of);
    }

    private static Optional<Path> newestDebianPostgres() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(dir -> dir.getFileName().toString().matches("\\d+"))
                    .max(Comparator.comparingInt(dir -> Integer.parseInt(dir.getFileName().toString())))
                    .map(dir -> dir.resolve("bin"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Path> onPath(String executable) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(":")).filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, executable)).filter(Files::isExecutable).findFirst();
    }
}
