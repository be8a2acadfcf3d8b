package io.cachedapi.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;

/**
 * The account a server runs as. PostgreSQL refuses to run as root, and CI runs as root: then the
 * PostgreSQL servers run as an unprivileged account ({@code CACHEDAPI_SERVER_USER}, else
 * {@code postgres}, else {@code nobody}) through {@code setpriv}, and the directories they write are
 * handed to that account. Every other process (Redis, the API instances) runs as the current user,
 * so a checkout other accounts cannot read (under {@code /root}, in a {@code mktemp -d} folder) works.
 */
public final class ServerUser {

    /** Where directories go when the place asked for is closed to the account (sticky, world-writable). */
    private static final Path SHARED_TEMP = Path.of("/var/tmp");

    private static final ServerUser CURRENT = new ServerUser(null, null);

    private final String name;   // null: run as the current user
    private final String group;

    private ServerUser(String name, String group) {
        this.name = name;
        this.group = group;
    }

    /** The current user: for every server but PostgreSQL. */
    public static ServerUser current() {
        return CURRENT;
    }

    /** The account PostgreSQL runs as: the current user, unless that is root. */
    public static ServerUser forPostgres() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return CURRENT;
        }
        String configured = System.getenv("CACHEDAPI_SERVER_USER");
        List<String> candidates = configured != null && !configured.isBlank()
                ? List.of(configured) : List.of("postgres", "nobody");
        for (String candidate : candidates) {
            String group = primaryGroup(candidate);
            if (group != null) {
                return new ServerUser(candidate, group);
            }
        }
        throw new IllegalStateException("running as root, and none of the accounts " + candidates
                + " exists to run PostgreSQL as (it refuses root); create one or set CACHEDAPI_SERVER_USER");
    }

    /** The command, run as this account. */
    public List<String> wrap(List<String> command) {
        if (name == null) {
            return command;
        }
        var wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + name, "--regid=" + group, "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Hands a directory or file this process created to the account, so the server can write it. */
    public void own(Path path) {
        if (name == null) {
            return;
        }
        try {
            var lookup = path.getFileSystem().getUserPrincipalLookupService();
            var view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            view.setOwner(lookup.lookupPrincipalByName(name));
            view.setGroup(lookup.lookupPrincipalByGroupName(group));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hand " + path + " to " + name, e);
        }
    }

    /** Fails with a clear message when the account cannot write {@code directory} (e.g. one under /root). */
    public void requireWritable(Path directory) {
        if (!canWrite(directory)) {
            throw new IllegalStateException("PostgreSQL runs as '" + name + "' (it refuses root), and '" + name
                    + "' cannot write " + directory + ": a folder on the way is closed to other accounts; use a"
                    + " directory every account can traverse (e.g. under /tmp or /var/tmp) or set"
                    + " CACHEDAPI_SERVER_USER to an account that can");
        }
    }

    /**
     * A directory the account can write, for {@code wanted}: {@code wanted} itself when the account can
     * reach it; otherwise (a checkout under /root) a fresh directory of the account's own under
     * /var/tmp, with {@code wanted} made a symbolic link to it, so the usual paths still lead to the
     * files. Returns the real path: the one to give the server.
     */
    public Path reachableDirectory(Path wanted) {
        try {
            if (Files.isSymbolicLink(wanted) && Files.isDirectory(wanted)) {
                return wanted.toRealPath();
            }
            Files.createDirectories(wanted.getParent());
            if (Files.isDirectory(wanted) || canWrite(wanted.getParent())) {
                return Directories.createOwned(wanted, this);
            }
            Path real = Files.createTempDirectory(SHARED_TEMP, "cachedapi-" + wanted.getFileName() + "-");
            own(real);
            Files.createSymbolicLink(wanted, real);
            return real;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a directory " + this + " can write for " + wanted, e);
        }
    }

    private boolean canWrite(Path directory) {
        return name == null
                || Processes.run(wrap(List.of("test", "-w", directory.toString(), "-a", "-x", directory.toString()))) == 0;
    }

    @Override
    public String toString() {
        return name == null ? System.getProperty("user.name") : name;
    }

    /** The account's primary group, or null when there is no such account. */
    private static String primaryGroup(String user) {
        String group = Processes.output(List.of("id", "-gn", user)).strip();
        return group.isEmpty() ? null : group;
    }
}
