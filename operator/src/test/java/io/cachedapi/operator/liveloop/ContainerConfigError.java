package io.cachedapi.operator.liveloop;

/**
 * Why a container cannot be started yet (a missing ConfigMap or Secret key, an unbound claim, an
 * address in use): like kubelet's {@code CreateContainerConfigError}, the pod waits and the start is
 * retried, so an object that appears later lets it start.
 */
final class ContainerConfigError extends Exception {

    ContainerConfigError(String message) {
        super(message);
    }
}
