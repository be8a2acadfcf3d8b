package io.cachedapi.operator.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL bootstrap scripts: the one definition of how an instance becomes a primary or a
 * streaming replica. Pods get them through the pg ConfigMap; tests and the local stack run the very
 * same files on loopback.
 */
public final class BootstrapScripts {

    /** The entry point: picks the primary or the replica path from the environment. */
    public static final String ENTRYPOINT = "start.sh";

    private static final List<String> NAMES = List.of(ENTRYPOINT, "init-primary.sh", "init-replica.sh", "rejoin.sh", "common.sh");

    private BootstrapScripts() {
    }

    /** File name to content, in a stable order (ConfigMap data, rendering, tests). */
    public static Map<String, String> contents() {
        var contents = new LinkedHashMap<String, String>();
        for (String name : NAMES) {
            contents.put(name, read(name));
        }
        return contents;
    }

    /**
     * Writes every script into {@code directory}, readable and executable by every account (servers
     * run unprivileged), and returns the entry point's path.
     */
    public static Path writeTo(Path directory) {
        try {
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            for (var script : contents().entrySet()) {
                Path file = directory.resolve(script.getKey());
                Files.writeString(file, script.getValue());
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            return directory.resolve(ENTRYPOINT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the bootstrap scripts to " + directory, e);
        }
    }

    private static String read(String name) {
        try (InputStream in = BootstrapScripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("bootstrap script " + name + " is missing from the operator jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
