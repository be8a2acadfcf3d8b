package io.cachedapi.operator.liveloop;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's environment with Kubernetes' semantics: {@code envFrom} first, then {@code env} in
 * order, each {@code value} expanded with {@code $(VAR)} of the variables defined before it
 * ({@code $$} escapes, unknown references stay as written), {@code valueFrom} read from the pod
 * ({@code fieldRef}) or from the API server at this very moment ({@code configMapKeyRef},
 * {@code secretKeyRef}, see {@link ConfigObjects}). A missing key that is not {@code optional} keeps
 * the container from starting.
 */
final class EnvResolver {

    private static final Pattern LABEL_OR_ANNOTATION = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

    private final ConfigObjects objects;

    EnvResolver(ConfigObjects objects) {
        this.objects = objects;
    }

    Map<String, String> resolve(Pod pod, Container container, String podIp) throws ContainerConfigError {
        var env = new LinkedHashMap<String, String>();
        for (EnvFromSource source : Objects.requireNonNullElse(container.getEnvFrom(), List.<EnvFromSource>of())) {
            String prefix = Objects.requireNonNullElse(source.getPrefix(), "");
            Optional<Map<String, byte[]>> contents = source.getConfigMapRef() != null
                    ? objects.configMap(source.getConfigMapRef().getName(), source.getConfigMapRef().getOptional())
                    : objects.secret(source.getSecretRef().getName(), source.getSecretRef().getOptional());
            contents.ifPresent(values -> values.forEach((key, value) ->
                    env.put(prefix + key, new String(value, StandardCharsets.UTF_8))));
        }
        for (EnvVar variable : Objects.requireNonNullElse(container.getEnv(), List.<EnvVar>of())) {
            if (variable.getValueFrom() == null) {
                env.put(variable.getName(), expand(Objects.requireNonNullElse(variable.getValue(), ""), env));
            } else {
                Optional<String> value = valueFrom(variable.getName(), variable.getValueFrom(), pod, podIp);
                value.ifPresent(resolved -> env.put(variable.getName(), resolved));
            }
        }
        return env;
    }

    private Optional<String> valueFrom(String name, EnvVarSource source, Pod pod, String podIp) throws ContainerConfigError {
        if (source.getFieldRef() != null) {
            return Optional.of(field(name, source.getFieldRef().getFieldPath(), pod, podIp));
        }
        if (source.getConfigMapKeyRef() != null) {
            var ref = source.getConfigMapKeyRef();
            return key(objects.configMap(ref.getName(), ref.getOptional()), "ConfigMap", ref.getName(), ref.getKey(), ref.getOptional());
        }
        if (source.getSecretKeyRef() != null) {
            var ref = source.getSecretKeyRef();
            return key(objects.secret(ref.getName(), ref.getOptional()), "Secret", ref.getName(), ref.getKey(), ref.getOptional());
        }
        throw new ContainerConfigError("env " + name + ": this valueFrom is not faked by the live loop: " + source);
    }

    private static String field(String name, String path, Pod pod, String podIp) throws ContainerConfigError {
        Matcher labelOrAnnotation = LABEL_OR_ANNOTATION.matcher(path);
        if (labelOrAnnotation.matches()) {
            Map<String, String> values = labelOrAnnotation.group(1).equals("labels")
                    ? pod.getMetadata().getLabels() : pod.getMetadata().getAnnotations();
            return Objects.requireNonNullElse(values, Map.<String, String>of()).getOrDefault(labelOrAnnotation.group(2), "");
        }
        return switch (path) {
            case "metadata.name" -> pod.getMetadata().getName();
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "metadata.uid" -> pod.getMetadata().getUid();
            case "spec.nodeName" -> Objects.requireNonNullElse(pod.getSpec().getNodeName(), "");
            case "spec.serviceAccountName" -> Objects.requireNonNullElse(pod.getSpec().getServiceAccountName(), "default");
            case "status.podIP", "status.podIPs" -> podIp;
            case "status.hostIP", "status.hostIPs" -> "127.0.0.1";
            default -> throw new ContainerConfigError("env " + name + ": fieldRef " + path + " is not faked by the live loop");
        };
    }

    private static Optional<String> key(Optional<Map<String, byte[]>> contents, String kind, String object, String key,
                                        Boolean optional) throws ContainerConfigError {
        if (contents.isEmpty()) {
            return Optional.empty();   // an optional object that does not exist
        }
        byte[] value = contents.get().get(key);
        if (value == null) {
            if (Boolean.TRUE.equals(optional)) {
                return Optional.empty();
            }
            throw new ContainerConfigError("couldn't find key " + key + " in " + kind + " " + object);
        }
        return Optional.of(new String(value, StandardCharsets.UTF_8));
    }

    /** Kubernetes' {@code $(VAR)} expansion (k8s.io/kubernetes third_party/forked/golang/expansion). */
    static String expand(String input, Map<String, String> variables) {
        var out = new StringBuilder();
        int cursor = 0;
        while (cursor < input.length()) {
            char current = input.charAt(cursor);
            if (current != '$' || cursor + 1 == input.length()) {
                out.append(current);
                cursor++;
                continue;
            }
            char next = input.charAt(cursor + 1);
            if (next == '$') {
                out.append('$');
                cursor += 2;
            } else if (next == '(') {
                int close = input.indexOf(')', cursor + 2);
                if (close < 0) {
                    out.append("$(");
                    cursor += 2;
                } else {
                    String name = input.substring(cursor + 2, close);
                    out.append(variables.containsKey(name) ? variables.get(name) : "$(" + name + ")");
                    cursor = close + 1;
                }
            } else {
                out.append('$').append(next);
                cursor += 2;
            }
        }
        return out.toString();
    }
}
