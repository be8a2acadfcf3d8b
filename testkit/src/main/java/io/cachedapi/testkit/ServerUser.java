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
 * The account servers run as. PostgreSQL refuses to run as root, and CI runs as root: then every
 * server runs as an unprivileged account ({@code CACHEDAPI_SERVER_USER}, else {@code postgres}, else
 * {@code nobody}) through {@code setpriv}, and the directories it writes are handed to that account.
 */
public final class ServerUser {

    private final String name;   // null: run as the current user
    private final String group;

    private ServerUser(String name, String group) {
        this.name = name;
        this.group = group;
    }

    public static ServerUser forThisProcess() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return new ServerUser(null, null);
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
                + " exists to run PostgreSQL and Redis as; create one or set CACHEDAPI_SERVER_USER");
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

    /** Fails with a clear message when the account cannot write {@code directory} (e.g. a checkout under /root). */
    public void requireWritable(Path directory) {
        if (name == null) {
            return;
        }
        int exit = Processes.run(wrap(List.of("test", "-w", directory.toString(), "-a", "-x", directory.toString())));
        if (exit != 0) {
            throw new IllegalStateException("the servers run as '" + name + "' (PostgreSQL refuses root), and '" + name
                    + "' cannot reach " + directory + "; move the checkout somewhere every user can traverse"
                    + " (e.g. under /work or /srv) or set CACHEDAPI_SERVER_USER to an account that can");
        }
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
