package io.cachedapi.e2e;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

/**
 * The pod port a Service port leads to, resolved the way kube-proxy does: a numeric target port as
 * it is, a named one through the pod's container ports. A port-forward must go to that pod port,
 * never to the Service's own port number (fabric8's Service port-forward forwards to the pod port of
 * the same number, where nothing listens when the target port is named).
 */
final class ServiceTargetPort {

    private ServiceTargetPort() {
    }

    static int resolve(Service service, int servicePort, PodSpec pod) {
        ServicePort port = service.getSpec().getPorts().stream()
                .filter(candidate -> candidate.getPort() == servicePort).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Service " + service.getMetadata().getName()
                        + " has no port " + servicePort));
        IntOrString target = port.getTargetPort();
        if (target == null) {
            return servicePort;   // Kubernetes defaults the target port to the port itself
        }
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        String name = target.getStrVal();
        return pod.getContainers().stream()
                .flatMap(container -> container.getPorts().stream())
                .filter(containerPort -> name.equals(containerPort.getName()))
                .map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Service " + service.getMetadata().getName()
                        + " targets the port named '" + name + "', which no container of the pod declares"));
    }
}
