package io.cachedapi.operator.liveloop;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The StatefulSet controller, for the sets whose pods really run here. It keeps pods
 * {@code <set>-0 .. <set>-(replicas-1)}, each made from the template (labels, annotations, spec, the
 * set as controlling owner, hostname and subdomain for DNS, a volume per claim template); with
 * {@code OrderedReady} a pod is created only once every lower one is Running and Ready, and nothing
 * moves while a pod is still terminating. A deleted pod is recreated (a new uid) once its container
 * has stopped. Scaling down removes the highest ordinal first, one at a time; the claims of removed
 * pods are deleted when {@code persistentVolumeClaimRetentionPolicy.whenScaled} is {@code Delete}.
 * A changed template rolls the pods (highest ordinal first, one at a time, above the partition) unless
 * the update strategy is {@code OnDelete}. The status follows: replicas, readyReplicas,
 * currentReplicas, updatedReplicas, availableReplicas, revisions and observedGeneration.
 */
final class StatefulSetController {

    static final String REVISION_LABEL = "controller-revision-hash";
    private static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    private static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

    private final KubernetesClient client;
    private final String namespace;
    private final VolumeClaims claims;

    StatefulSetController(KubernetesClient client, String namespace, VolumeClaims claims) {
        this.client = client;
        this.namespace = namespace;
        this.claims = claims;
    }

    /**
     * One pass over a set.
     *
     * @param pods        the namespace's pods by name, as the informer has them
     * @param terminating pod names whose container is still stopping
     */
    void reconcile(StatefulSet set, Map<String, Pod> pods, Set<String> terminating) {
        makeProgress(set, pods, terminating);
        dropScaledAwayClaims(set, pods, terminating);
        publishStatus(set, pods);
    }

    private void makeProgress(StatefulSet set, Map<String, Pod> pods, Set<String> terminating) {
        int replicas = replicas(set);
        boolean ordered = !"Parallel".equals(set.getSpec().getPodManagementPolicy());
        String revision = revision(set);
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            String name = podName(set, ordinal);
            Pod pod = pods.get(name);
            if (pod == null) {
                if (terminating.contains(name)) {
                    if (ordered) {
                        return;
                    }
                    continue;
                }
                create(set, ordinal, revision);
                if (ordered) {
                    return;
                }
                continue;
            }
            if (ordered && !Pods.isRunningAndReady(pod)) {
                return;
            }
        }
        List<Pod> condemned = owned(set, pods).stream()
                .filter(pod -> ordinal(set, Pods.name(pod)).orElse(-1) >= replicas)
                .sorted((a, b) -> ordinal(set, Pods.name(b)).orElse(0) - ordinal(set, Pods.name(a)).orElse(0))
                .toList();
        boolean stopping = terminating.stream().anyMatch(name -> ordinal(set, name).isPresent());
        if (!condemned.isEmpty() && !(ordered && stopping)) {
            delete(condemned.getFirst());
            return;
        }
        rollOneOutdatedPod(set, pods, terminating, revision);
    }

    private void rollOneOutdatedPod(StatefulSet set, Map<String, Pod> pods, Set<String> terminating, String revision) {
        var strategy = set.getSpec().getUpdateStrategy();
        if (strategy != null && "OnDelete".equals(strategy.getType())) {
            return;
        }
        int partition = strategy == null || strategy.getRollingUpdate() == null ? 0
                : Objects.requireNonNullElse(strategy.getRollingUpdate().getPartition(), 0);
        List<Pod> current = owned(set, pods);
        if (current.size() != replicas(set) || !current.stream().allMatch(Pods::isRunningAndReady)
                || terminating.stream().anyMatch(name -> ordinal(set, name).isPresent())) {
            return;
        }
        current.stream()
                .filter(pod -> ordinal(set, Pods.name(pod)).orElse(0) >= partition)
                .filter(pod -> !revision.equals(labels(pod).get(REVISION_LABEL)))
                .max((a, b) -> ordinal(set, Pods.name(a)).orElse(0) - ordinal(set, Pods.name(b)).orElse(0))
                .ifPresent(this::delete);
    }

    private void dropScaledAwayClaims(StatefulSet set, Map<String, Pod> pods, Set<String> terminating) {
        var policy = set.getSpec().getPersistentVolumeClaimRetentionPolicy();
        if (policy == null || !"Delete".equals(policy.getWhenScaled())) {
            return;
        }
        int replicas = replicas(set);
        for (String claim : claims.scaledAway(set, replicas)) {
            String pod = claim.substring(claim.indexOf(set.getMetadata().getName() + "-"));
            if (!pods.containsKey(pod) && !terminating.contains(pod)) {
                claims.delete(claim);
            }
        }
    }

    /**
     * Each pod has a node of its own (made when first needed), so a test can cordon the primary's node
     * as {@code kubectl drain} does; the node's name includes the namespace, since nodes are cluster-wide.
     */
    private String node(String pod) {
        String name = namespace + "-node-" + pod;
        if (client.nodes().withName(name).get() == null) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                    .withNewSpec().withUnschedulable(false).endSpec().build()).create();
        }
        return name;
    }

    private void create(StatefulSet set, int ordinal, String revision) {
        String name = podName(set, ordinal);
        claims.ensure(set, name);
        var template = set.getSpec().getTemplate();
        var labels = new HashMap<String, String>(Objects.requireNonNullElse(template.getMetadata().getLabels(), Map.of()));
        labels.put(REVISION_LABEL, revision);
        labels.put(POD_NAME_LABEL, name);
        labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
        var spec = new PodSpecBuilder(template.getSpec())
                .withHostname(name)
                .withSubdomain(set.getSpec().getServiceName())
                .withNodeName(node(name));
        for (String claim : VolumeClaims.names(set, name)) {
            String volume = claim.substring(0, claim.length() - name.length() - 1);
            spec.addToVolumes(new VolumeBuilder().withName(volume)
                    .withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim().build());
        }
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
                .withAnnotations(template.getMetadata().getAnnotations())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("StatefulSet")
                        .withName(set.getMetadata().getName()).withUid(set.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withSpec(spec.build())
                .build();
        try {
            client.pods().inNamespace(namespace).resource(pod).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {   // created already; the informer had not seen it yet
                throw e;
            }
        }
    }

    private void delete(Pod pod) {
        client.pods().inNamespace(namespace).withName(Pods.name(pod)).delete();
    }

    private void publishStatus(StatefulSet set, Map<String, Pod> pods) {
        String revision = revision(set);
        List<Pod> owned = owned(set, pods);
        int ready = (int) owned.stream().filter(Pods::isRunningAndReady).count();
        int updated = (int) owned.stream().filter(pod -> revision.equals(labels(pod).get(REVISION_LABEL))).count();
        StatefulSetStatus status = new StatefulSetStatusBuilder()
                .withReplicas(owned.size())
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withCurrentReplicas(updated)
                .withUpdatedReplicas(updated)
                .withCurrentRevision(revision)
                .withUpdateRevision(revision)
                .withObservedGeneration(set.getMetadata().getGeneration())
                .build();
        WorkloadStatuses.write(client.apps().statefulSets().inNamespace(namespace).withName(set.getMetadata().getName()),
                set.getStatus(), status);
    }

    /** The pods this set controls: its name pattern and it as controlling owner. */
    private static List<Pod> owned(StatefulSet set, Map<String, Pod> pods) {
        return pods.values().stream()
                .filter(pod -> ordinal(set, Pods.name(pod)).isPresent())
                .filter(pod -> Objects.requireNonNullElse(pod.getMetadata().getOwnerReferences(), List.<OwnerReference>of())
                        .stream().anyMatch(owner -> set.getMetadata().getUid().equals(owner.getUid())))
                .toList();
    }

    static String podName(StatefulSet set, int ordinal) {
        return set.getMetadata().getName() + "-" + ordinal;
    }

    private static Optional<Integer> ordinal(StatefulSet set, String podName) {
        String prefix = set.getMetadata().getName() + "-";
        if (!podName.startsWith(prefix) || !podName.substring(prefix.length()).matches("\\d+")) {
            return Optional.empty();
        }
        return Optional.of(Integer.parseInt(podName.substring(prefix.length())));
    }

    private static int replicas(StatefulSet set) {
        return Objects.requireNonNullElse(set.getSpec().getReplicas(), 1);
    }

    /** Identifies a template, as the controller-revision-hash label does. */
    private String revision(StatefulSet set) {
        return set.getMetadata().getName() + "-"
                + Integer.toHexString(client.getKubernetesSerialization().asJson(set.getSpec().getTemplate()).hashCode());
    }

    private static Map<String, String> labels(Pod pod) {
        return Objects.requireNonNullElse(pod.getMetadata().getLabels(), Map.of());
    }
}
