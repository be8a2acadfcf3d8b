package io.cachedapi.operator.liveloop;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** What the fakes ask of a Pod object, read the way the real controllers read it. */
final class Pods {

    private Pods() {
    }

    static String name(Pod pod) {
        return pod.getMetadata().getName();
    }

    static String uid(Pod pod) {
        return pod.getMetadata().getUid();
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(condition -> "Ready".equals(condition.getType()) && "True".equals(condition.getStatus()));
    }

    static boolean isRunningAndReady(Pod pod) {
        return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase()) && isReady(pod)
                && pod.getMetadata().getDeletionTimestamp() == null;
    }

    static Optional<String> ip(Pod pod) {
        return Optional.ofNullable(pod.getStatus()).map(status -> status.getPodIP()).filter(ip -> !ip.isBlank());
    }

    /** Whether every label of an equality-based selector (a Service's) is on the pod. */
    static boolean matches(Map<String, String> selector, Pod pod) {
        Map<String, String> labels = Objects.requireNonNullElse(pod.getMetadata().getLabels(), Map.of());
        return selector != null && !selector.isEmpty()
                && selector.entrySet().stream().allMatch(entry -> entry.getValue().equals(labels.get(entry.getKey())));
    }

    /** A Service's target port on this pod: a number, or the name of a container port (absent when none has it). */
    static Optional<Integer> targetPort(Pod pod, IntOrString targetPort, int servicePort) {
        if (targetPort == null) {
            return Optional.of(servicePort);
        }
        if (targetPort.getIntVal() != null) {
            return Optional.of(targetPort.getIntVal());
        }
        return pod.getSpec().getContainers().stream()
                .flatMap(container -> Objects.requireNonNullElse(container.getPorts(), List.<ContainerPort>of()).stream())
                .filter(port -> targetPort.getStrVal().equals(port.getName()))
                .map(ContainerPort::getContainerPort).findFirst();
    }

    static PodCondition condition(String type, boolean status, String since) {
        var condition = new PodCondition();
        condition.setType(type);
        condition.setStatus(status ? "True" : "False");
        condition.setLastTransitionTime(since);
        return condition;
    }
}
