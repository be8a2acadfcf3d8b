package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/**
 * No voluntary disruption (an eviction by a node drain) may take the primary: the drain waits until the
 * operator has switched over to a replica on another node (it does so once the primary's node is
 * cordoned, see the lifecycle's DrainSwitchover); the role label then moves, and so does this budget.
 */
public class PgPrimaryDisruptionBudget extends CRUDKubernetesDependentResource<PodDisruptionBudget, CachedApi> {

    public PgPrimaryDisruptionBudget() {
        super(PodDisruptionBudget.class);
    }

    @Override
    protected PodDisruptionBudget desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static PodDisruptionBudget build(CachedApi api) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(Metadata.of(api, Names.pgPrimary(api), Labels.POSTGRES))
                .withNewSpec()
                .withNewMinAvailable(1)
                .withNewSelector().withMatchLabels(Labels.pgRole(api, Labels.PRIMARY)).endSelector()
                .endSpec()
                .build();
    }
}
