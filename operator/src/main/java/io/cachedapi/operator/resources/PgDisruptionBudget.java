package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/**
 * Voluntary disruptions (node drains) take at most one replica at a time: {@code minAvailable} is all
 * replicas but one (a {@code maxUnavailable} would count the StatefulSet's every pod, primary included,
 * and so allow none). Pods without a role label (starting, or a fenced old primary) are in no budget. The primary has a budget of
 * its own ({@link PgPrimaryDisruptionBudget}) that allows none: a drain waits until the operator has
 * switched over (it does so once the primary's node is cordoned), as in CloudNativePG.
 */
public class PgDisruptionBudget extends CRUDKubernetesDependentResource<PodDisruptionBudget, CachedApi> {

    public PgDisruptionBudget() {
        super(PodDisruptionBudget.class);
    }

    @Override
    protected PodDisruptionBudget desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static PodDisruptionBudget build(CachedApi api) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(Metadata.of(api, Names.pg(api), Labels.POSTGRES))
                .withNewSpec()
                .withNewMinAvailable(Math.max(0, api.getSpec().getPostgres().getReplicas() - 1))
                .withNewSelector().withMatchLabels(Labels.pgRole(api, Labels.REPLICA)).endSelector()
                .endSpec()
                .build();
    }
}
