package io.cachedapi.operator.liveloop;

import io.cachedapi.testkit.Binaries;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What one start of a container runs, derived from the pod alone: {@code command} + {@code args}
 * ({@code $(VAR)} expanded; the image and its entrypoint are ignored: PostgreSQL comes from this
 * machine's binaries, first on PATH), the resolved environment, and the pod's volumes mounted. Every
 * string is localised: mount paths become local directories ({@link MountTable}), cluster host names
 * become addresses ({@link ClusterDns}).
 *
 * <p>Network emulation: a pod has no network namespace here, so {@code PG_LISTEN_ADDRESSES} is set to
 * the pod's own loopback address, where PostgreSQL listens on the container's port.
 */
record ContainerConfig(List<String> command, Map<String, String> environment, UnaryOperator<String> localise) {

    static final String LISTEN_ADDRESSES = "PG_LISTEN_ADDRESSES";
    private static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    static ContainerConfig resolve(Pod pod, Container container, String podAddress, Path podDirectory,
                                   EnvResolver envResolver, Volumes volumes, ClusterDns dns) throws ContainerConfigError {
        Map<String, String> declared = envResolver.resolve(pod, container, podAddress);
        MountTable mounts = volumes.mount(pod, container, podDirectory);
        UnaryOperator<String> localise = value -> dns.rewrite(mounts.rewrite(value));

        // What the image and the runtime would provide, unless the template says otherwise.
        var environment = new LinkedHashMap<String, String>();
        environment.put("HOSTNAME", pod.getMetadata().getName());
        environment.put("HOME", podDirectory.toString());
        environment.put("LANG", "C.UTF-8");
        declared.forEach((name, value) -> environment.put(name, localise.apply(value)));
        environment.put("PATH", Binaries.postgresBinDir() + ":" + declared.getOrDefault("PATH", SYSTEM_PATH));
        environment.put(LISTEN_ADDRESSES, podAddress);

        var command = new ArrayList<String>(Objects.requireNonNullElse(container.getCommand(), List.of()));
        command.addAll(Objects.requireNonNullElse(container.getArgs(), List.of()));
        if (command.isEmpty()) {
            throw new ContainerConfigError("container " + container.getName()
                    + " has no command: the live loop runs no images, so it cannot know the image's entrypoint");
        }
        List<String> localised = command.stream().map(word -> localise.apply(EnvResolver.expand(word, declared))).toList();
        return new ContainerConfig(localised, Map.copyOf(environment), localise);
    }
}
