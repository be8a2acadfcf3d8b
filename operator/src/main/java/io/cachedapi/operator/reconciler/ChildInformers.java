package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The operator's informers besides the CachedApis': one per kind, shared by every dependent of that
 * kind, each caching only what the operator made (its {@code managed-by} label), so a busy cluster's
 * other Secrets, ConfigMaps and Services never reach the operator's memory. Events map to their
 * CachedApi by owner reference, or by instance label for what has no such owner. The pg pods' informer
 * triggers a reconcile on every change of a pg pod, so a recreated pod gets its role label (and
 * {@code -rw}/{@code -ro} an endpoint) at once, not at the next re-check.
 */
final class ChildInformers {

    static final String SECRETS = "secrets";
    static final String CONFIG_MAPS = "configmaps";
    static final String SERVICES = "services";
    static final String STATEFUL_SETS = "statefulsets";
    static final String DISRUPTION_BUDGETS = "poddisruptionbudgets";
    static final String DEPLOYMENTS = "deployments";
    static final String PG_PODS = "pg-pods";

    /** What every child of a CachedApi carries (see {@link Labels#of}). */
    static final String MANAGED = Labels.MANAGED_BY + "=" + Labels.OPERATOR;

    private ChildInformers() {
    }

    static List<EventSource<?, CachedApi>> all(EventSourceContext<CachedApi> context) {
        return List.of(
                byInstanceLabel(Secret.class, SECRETS, MANAGED, context),
                children(ConfigMap.class, CONFIG_MAPS, context),
                children(Service.class, SERVICES, context),
                children(StatefulSet.class, STATEFUL_SETS, context),
                children(PodDisruptionBudget.class, DISRUPTION_BUDGETS, context),
                children(Deployment.class, DEPLOYMENTS, context),
                byInstanceLabel(Pod.class, PG_PODS, MANAGED + "," + Labels.COMPONENT + "=" + Labels.POSTGRES, context));
    }

    /** Children are owned by their CachedApi: an event maps to it through the owner reference. */
    private static <R extends HasMetadata> EventSource<R, CachedApi> children(
            Class<R> kind, String name, EventSourceContext<CachedApi> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(kind, CachedApi.class)
                .withName(name)
                .withNamespacesInheritedFromController()
                .withLabelSelector(MANAGED)
                .build(), context);
    }

    /**
     * Objects that name their CachedApi by label rather than by owner: pg pods (owned by their
     * StatefulSet) and the credentials Secrets (owned by nobody: they outlive the CachedApi).
     */
    private static <R extends HasMetadata> EventSource<R, CachedApi> byInstanceLabel(
            Class<R> kind, String name, String selector, EventSourceContext<CachedApi> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(kind, CachedApi.class)
                .withName(name)
                .withNamespacesInheritedFromController()
                .withLabelSelector(selector)
                .withSecondaryToPrimaryMapper(object -> Optional.ofNullable(object.getMetadata().getLabels())
                        .map(labels -> labels.get(Labels.INSTANCE))
                        .map(instance -> Set.of(new ResourceID(instance, object.getMetadata().getNamespace())))
                        .orElse(Set.of()))
                .build(), context);
    }
}
