package io.cachedapi.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;

/**
 * Where a component's pods run and what they may use: the fields every component (api, postgres,
 * redis) has, with the meaning they have in a pod spec; absent (null) when not set. Unset, the
 * operator's defaults apply (each component's resources; pg pods prefer distinct nodes).
 */
public abstract class Placement {

    @JsonPropertyDescription("CPU and memory of each pod of this component; when absent, the component's defaults.")
    private ResourceRequirements resources;

    @JsonPropertyDescription("Node labels the pods must run on, as a pod's nodeSelector.")
    private Map<String, String> nodeSelector;

    @JsonPropertyDescription("Taints the pods tolerate, as a pod's tolerations.")
    private List<Toleration> tolerations;

    @JsonPropertyDescription("Node and pod affinity, as a pod's affinity. Under postgres, the default prefers"
            + " nodes without another pg pod of the same CachedApi; none elsewhere.")
    private Affinity affinity;

    @JsonPropertyDescription("How the pods spread over zones or nodes, as a pod's topologySpreadConstraints.")
    private List<TopologySpreadConstraint> topologySpreadConstraints;

    @JsonPropertyDescription("The pods' PriorityClass.")
    private String priorityClassName;

    @JsonPropertyDescription("Secrets to pull this component's image with.")
    private List<LocalObjectReference> imagePullSecrets;

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

    public Map<String, String> getNodeSelector() {
        return nodeSelector;
    }

    public void setNodeSelector(Map<String, String> nodeSelector) {
        this.nodeSelector = nodeSelector;
    }

    public List<Toleration> getTolerations() {
        return tolerations;
    }

    public void setTolerations(List<Toleration> tolerations) {
        this.tolerations = tolerations;
    }

    public Affinity getAffinity() {
        return affinity;
    }

    public void setAffinity(Affinity affinity) {
        this.affinity = affinity;
    }

    public List<TopologySpreadConstraint> getTopologySpreadConstraints() {
        return topologySpreadConstraints;
    }

    public void setTopologySpreadConstraints(List<TopologySpreadConstraint> topologySpreadConstraints) {
        this.topologySpreadConstraints = topologySpreadConstraints;
    }

    public String getPriorityClassName() {
        return priorityClassName;
    }

    public void setPriorityClassName(String priorityClassName) {
        this.priorityClassName = priorityClassName;
    }

    public List<LocalObjectReference> getImagePullSecrets() {
        return imagePullSecrets;
    }

    public void setImagePullSecrets(List<LocalObjectReference> imagePullSecrets) {
        this.imagePullSecrets = imagePullSecrets;
    }
}
