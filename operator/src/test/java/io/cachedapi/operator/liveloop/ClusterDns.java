package io.cachedapi.operator.liveloop;

import io.fabric8.kubernetes.api.model.Service;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cluster DNS, for processes that have no resolver of ours: host names in the strings handed to a
 * container are replaced by addresses when it starts. A Service is {@code <svc>}, {@code <svc>.<ns>},
 * {@code <svc>.<ns>.svc} or {@code <svc>.<ns>.svc.cluster.local} (its proxy's address); a pod under a
 * headless Service is {@code <pod>.<svc>} with the same suffixes (the pod's address). Names are looked
 * at on host-name boundaries only: a run of letters, digits, dots and dashes that is not a path
 * component (after a single {@code /}) and not part of an identifier (next to {@code _}). Addresses are
 * stable per name, so resolving at start is what a resolver without caching would answer later too; a
 * plain word that happens to equal a Service's name would be replaced as well (none does here).
 */
final class ClusterDns {

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9.-]+");

    private final String namespace;
    private final Function<String, Optional<Service>> services;
    private final Function<String, InetAddress> serviceAddress;
    private final Function<String, Optional<InetAddress>> podAddress;

    ClusterDns(String namespace, Function<String, Optional<Service>> services,
               Function<String, InetAddress> serviceAddress, Function<String, Optional<InetAddress>> podAddress) {
        this.namespace = namespace;
        this.services = services;
        this.serviceAddress = serviceAddress;
        this.podAddress = podAddress;
    }

    String rewrite(String value) {
        Matcher matcher = HOST_NAME.matcher(value);
        var out = new StringBuilder();
        while (matcher.find()) {
            String token = matcher.group();
            boolean pathComponent = matcher.start() > 0 && value.charAt(matcher.start() - 1) == '/'
                    && !(matcher.start() > 1 && value.charAt(matcher.start() - 2) == '/');
            boolean identifierPart = (matcher.start() > 0 && value.charAt(matcher.start() - 1) == '_')
                    || (matcher.end() < value.length() && value.charAt(matcher.end()) == '_');
            Optional<InetAddress> address = pathComponent || identifierPart ? Optional.empty() : resolve(token);
            matcher.appendReplacement(out, Matcher.quoteReplacement(
                    address.map(InetAddress::getHostAddress).orElse(token)));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    Optional<InetAddress> resolve(String hostName) {
        String name = hostName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        String namespaceSuffix = "." + namespace;
        for (String suffix : new String[]{namespaceSuffix + ".svc.cluster.local", namespaceSuffix + ".svc", namespaceSuffix, ""}) {
            if (!name.endsWith(suffix) || name.length() == suffix.length()) {
                continue;
            }
            String[] parts = name.substring(0, name.length() - suffix.length()).split("\\.");
            if (parts.length == 1) {
                Optional<Service> service = services.apply(parts[0]).filter(s -> !isHeadless(s));
                if (service.isPresent()) {
                    return Optional.of(serviceAddress.apply(parts[0]));
                }
            } else if (parts.length == 2 && services.apply(parts[1]).filter(ClusterDns::isHeadless).isPresent()) {
                Optional<InetAddress> pod = podAddress.apply(parts[0]);
                if (pod.isPresent()) {
                    return pod;
                }
            }
        }
        return Optional.empty();
    }

    static boolean isHeadless(Service service) {
        return "None".equals(service.getSpec().getClusterIP());
    }
}
