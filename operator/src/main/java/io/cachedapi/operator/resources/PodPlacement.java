package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.Placement;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/** A component's {@link Placement} written onto its pod template, with the operator's defaults where it says nothing. */
final class PodPlacement {

    private static final String HOSTNAME = "kubernetes.io/hostname";

    private PodPlacement() {
    }

    /** Scheduling fields from the spec; {@code defaultAffinity} when the spec has no affinity (may be null). */
    static void apply(PodSpec pod, Placement placement, Affinity defaultAffinity) {
        pod.setNodeSelector(placement.getNodeSelector());
        pod.setTolerations(placement.getTolerations());
        pod.setAffinity(placement.getAffinity() != null ? placement.getAffinity() : defaultAffinity);
        pod.setTopologySpreadConstraints(placement.getTopologySpreadConstraints());
        pod.setPriorityClassName(placement.getPriorityClassName());
        pod.setImagePullSecrets(placement.getImagePullSecrets());
    }

    /** The spec's resources for the component, else {@code defaults}. */
    static ResourceRequirements resources(Placement placement, ResourceRequirements defaults) {
        return placement.getResources() != null ? placement.getResources() : defaults;
    }

    /**
     * pg pods prefer nodes that run no other pod of the same cluster: a node lost takes one instance, not
     * the primary and its replica together. Preferred, not required, so a one-node cluster still runs.
     */
    static Affinity spreadPostgres(CachedApi api) {
        return new AffinityBuilder().withNewPodAntiAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution()
                .withWeight(100)
                .withNewPodAffinityTerm()
                .withTopologyKey(HOSTNAME)
                .withNewLabelSelector().withMatchLabels(Labels.selector(api, Labels.POSTGRES)).endLabelSelector()
                .endPodAffinityTerm()
                .endPreferredDuringSchedulingIgnoredDuringExecution()
                .endPodAntiAffinity()
                .build();
    }
}
