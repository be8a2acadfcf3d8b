package io.cachedapi.operator.liveloop;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where a container's mount paths live on this machine. A process here shares the host's file system,
 * so {@code /var/lib/postgresql/data} cannot be the volume: every string handed to the process (its
 * command, arguments, environment, exec probes) has each mount path rewritten to the local directory,
 * wherever the mount path begins a path ({@code /var/lib/postgresql/data/pgdata},
 * {@code include=/etc/cachedapi/pg-config/extra.conf}) and not inside a longer one.
 */
final class MountTable {

    private final Map<String, Path> localByMountPath;
    private final Pattern mountPaths;

    MountTable(Map<String, Path> localByMountPath) {
        this.localByMountPath = Map.copyOf(localByMountPath);
        // Longest first, so /a/b wins over /a; a mount path must start a path and end at a separator.
        this.mountPaths = Pattern.compile(localByMountPath.keySet().stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote)
                .collect(Collectors.joining("|", "(?<![\\w./-])(", ")(?![\\w.-])")));
    }

    String rewrite(String value) {
        if (localByMountPath.isEmpty()) {
            return value;
        }
        Matcher matcher = mountPaths.matcher(value);
        return matcher.replaceAll(match -> Matcher.quoteReplacement(localByMountPath.get(match.group(1)).toString()));
    }
}
