package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiStatus;
import io.cachedapi.operator.lifecycle.FailoverSettings;
import io.cachedapi.operator.lifecycle.Lifecycle;
import io.cachedapi.operator.lifecycle.PostgresAdmin;
import io.cachedapi.operator.lifecycle.PrimaryWatch;
import io.cachedapi.operator.lifecycle.Topology;
import io.cachedapi.operator.lifecycle.TopologyStore;
import io.cachedapi.operator.observer.ProbeFactory;
import io.cachedapi.operator.parameters.ParameterCatalogues;
import io.cachedapi.operator.parameters.ParameterCheck;
import io.cachedapi.operator.resources.ApiDeployment;
import io.cachedapi.operator.resources.ApiDisruptionBudget;
import io.cachedapi.operator.resources.ApiService;
import io.cachedapi.operator.resources.PgConfigMap;
import io.cachedapi.operator.resources.PgCredentialsSecret;
import io.cachedapi.operator.resources.PgDisruptionBudget;
import io.cachedapi.operator.resources.PgPrimaryDisruptionBudget;
import io.cachedapi.operator.resources.PgHeadlessService;
import io.cachedapi.operator.resources.PgReadOnlyService;
import io.cachedapi.operator.resources.PgReadWriteService;
import io.cachedapi.operator.resources.PgStatefulSet;
import io.cachedapi.operator.resources.RedisCredentialsSecret;
import io.cachedapi.operator.resources.RedisService;
import io.cachedapi.operator.resources.RedisStatefulSet;
import io.cachedapi.operator.resources.TopologyConfigMap;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a CachedApi: checks what the schema could not, applies every child (the workflow below),
 * then asks PostgreSQL itself whether replication works, labels the pg pods with the role each
 * reports, and writes conditions, Events and the status. It runs again every {@code recheck}, so a
 * replica that stops streaming is noticed even when no Kubernetes object changes.
 */
@Workflow(explicitInvocation = true, dependents = {
        @Dependent(name = CachedApiReconciler.PG_CREDENTIALS, type = PgCredentialsSecret.class, useEventSourceWithName = ChildInformers.SECRETS),
        @Dependent(name = CachedApiReconciler.REDIS_CREDENTIALS, type = RedisCredentialsSecret.class, useEventSourceWithName = ChildInformers.SECRETS),
        @Dependent(name = CachedApiReconciler.PG_CONFIG, type = PgConfigMap.class, useEventSourceWithName = ChildInformers.CONFIG_MAPS),
        @Dependent(name = CachedApiReconciler.TOPOLOGY, type = TopologyConfigMap.class, useEventSourceWithName = ChildInformers.CONFIG_MAPS),
        @Dependent(name = CachedApiReconciler.PG_HEADLESS, type = PgHeadlessService.class, useEventSourceWithName = ChildInformers.SERVICES),
        @Dependent(name = CachedApiReconciler.PG_RW, type = PgReadWriteService.class, useEventSourceWithName = ChildInformers.SERVICES),
        @Dependent(name = CachedApiReconciler.PG_RO, type = PgReadOnlyService.class, useEventSourceWithName = ChildInformers.SERVICES),
        @Dependent(name = CachedApiReconciler.PG, type = PgStatefulSet.class, useEventSourceWithName = ChildInformers.STATEFUL_SETS, dependsOn = {
                CachedApiReconciler.PG_CREDENTIALS, CachedApiReconciler.PG_CONFIG, CachedApiReconciler.TOPOLOGY,
                CachedApiReconciler.PG_HEADLESS}),
        @Dependent(name = CachedApiReconciler.PG_PDB, type = PgDisruptionBudget.class, useEventSourceWithName = ChildInformers.DISRUPTION_BUDGETS),
        @Dependent(name = CachedApiReconciler.PG_PRIMARY_PDB, type = PgPrimaryDisruptionBudget.class, useEventSourceWithName = ChildInformers.DISRUPTION_BUDGETS),
        @Dependent(name = CachedApiReconciler.REDIS_SERVICE, type = RedisService.class, useEventSourceWithName = ChildInformers.SERVICES),
        @Dependent(name = CachedApiReconciler.REDIS, type = RedisStatefulSet.class, useEventSourceWithName = ChildInformers.STATEFUL_SETS, dependsOn = {
                CachedApiReconciler.REDIS_CREDENTIALS, CachedApiReconciler.REDIS_SERVICE}),
        @Dependent(name = CachedApiReconciler.API_SERVICE, type = ApiService.class, useEventSourceWithName = ChildInformers.SERVICES),
        @Dependent(name = CachedApiReconciler.API, type = ApiDeployment.class, useEventSourceWithName = ChildInformers.DEPLOYMENTS, dependsOn = {
                CachedApiReconciler.PG_CREDENTIALS, CachedApiReconciler.REDIS_CREDENTIALS,
                CachedApiReconciler.PG_RW, CachedApiReconciler.PG_RO, CachedApiReconciler.REDIS_SERVICE}),
        @Dependent(name = CachedApiReconciler.API_PDB, type = ApiDisruptionBudget.class, useEventSourceWithName = ChildInformers.DISRUPTION_BUDGETS)})
@ControllerConfiguration(name = CachedApiReconciler.NAME)
public class CachedApiReconciler implements Reconciler<CachedApi> {

    public static final String NAME = "cachedapi";
    static final String PG_CREDENTIALS = "pg-credentials";
    static final String REDIS_CREDENTIALS = "redis-credentials";
    static final String PG_CONFIG = "pg-config";
    static final String TOPOLOGY = "topology";
    static final String PG_HEADLESS = "pg-headless";
    static final String PG_RW = "pg-rw";
    static final String PG_RO = "pg-ro";
    static final String PG = "pg";
    static final String PG_PDB = "pg-pdb";
    static final String PG_PRIMARY_PDB = "pg-primary-pdb";
    static final String REDIS_SERVICE = "redis-service";
    static final String REDIS = "redis";
    static final String API_SERVICE = "api-service";
    static final String API = "api";
    static final String API_PDB = "api-pdb";

    /**
     * Kinds the reconciler reads or writes itself, besides the CachedApi and the workflow's children,
     * with the verbs it uses: pg pods are listed and labelled with their role ({@link ClusterObserver}),
     * and a lost primary's pod is deleted by the failover; the topology ConfigMap is read and changed by
     * compare-and-set ({@link TopologyStore}); a done switchover request is removed from the CachedApi's
     * annotations; Events are created, and a repeat counted on the one there ({@link Events}); a volume
     * the spec grows is expanded on its claim, and its StatefulSet deleted, orphaning the pods, to be made
     * again with the new size ({@link VolumeExpansion}). The Helm chart's RBAC is checked against this and
     * the workflow.
     */
    public static final Map<Class<? extends HasMetadata>, List<String>> ALSO_ACCESSED = Map.of(
            CachedApi.class, List.of("patch"),
            Pod.class, List.of("get", "list", "watch", "patch", "delete"),
            ConfigMap.class, List.of("get", "update"),
            Event.class, List.of("create", "get", "patch"),
            PersistentVolumeClaim.class, List.of("list", "get", "patch"),
            StatefulSet.class, List.of("delete"));

    /**
     * Cluster-scoped kinds the reconciler reads, whatever namespaces it watches: a primary's node, to
     * switch over before a drain evicts it (the lifecycle's DrainSwitchover). The chart grants them in
     * a ClusterRole of their own.
     */
    public static final Map<Class<? extends HasMetadata>, List<String>> CLUSTER_READS = Map.of(
            Node.class, List.of("get"));

    private static final Logger log = LoggerFactory.getLogger(CachedApiReconciler.class);

    private final ClusterObserver observer;
    private final PrimaryWatch primaryWatch;
    private final Lifecycle lifecycle;
    private final ParameterCatalogues catalogues = new ParameterCatalogues();
    private final Clock clock;
    private final Duration recheck;

    public CachedApiReconciler(ProbeFactory probes, PostgresAdmin.Factory admins, FailoverSettings failover,
                               Clock clock, Duration recheck) {
        this.observer = new ClusterObserver(probes);
        this.primaryWatch = new PrimaryWatch(failover.watchPeriod(), clock);
        this.lifecycle = new Lifecycle(admins, primaryWatch, failover, clock, catalogues);
        this.clock = clock;
        this.recheck = recheck;
    }

    /**
     * The informers the workflow's dependents share, scoped to what the operator made
     * ({@link ChildInformers}), and the primary watch, so a lost primary is noticed within a second.
     */
    @Override
    public List<EventSource<?, CachedApi>> prepareEventSources(EventSourceContext<CachedApi> context) {
        var sources = new ArrayList<EventSource<?, CachedApi>>(ChildInformers.all(context));
        sources.add(primaryWatch.eventSource(context));
        return sources;
    }

    @Override
    public UpdateControl<CachedApi> reconcile(CachedApi api, Context<CachedApi> context) {
        CachedApiStatus previous = Optional.ofNullable(api.getStatus()).orElseGet(CachedApiStatus::new);
        lifecycle.retainOnly(context.getPrimaryCache().list().map(existing -> existing.getMetadata().getUid())
                .collect(Collectors.toSet()));
        Optional<StatusCalculator.Blocker> blocker = specProblems(api, context)
                .map(problems -> new StatusCalculator.Blocker(StatusCalculator.INVALID_SPEC, "fix the spec: " + problems));
        if (blocker.isEmpty()) {
            VolumeExpansion.Outcome volumes = VolumeExpansion.expand(api, context.getClient(), clock.instant());
            if (volumes instanceof VolumeExpansion.Outcome.Refused refused) {
                blocker = Optional.of(new StatusCalculator.Blocker(StatusCalculator.APPLY_FAILED, refused.message()));
            } else if (volumes instanceof VolumeExpansion.Outcome.Unchanged) {
                // (a StatefulSet just deleted for its larger volumes is made again once the deletion is seen)
                try {
                    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
                } catch (RuntimeException failed) {
                    if (!ApplyFailure.isRefusal(failed)) {
                        throw failed;   // not the spec's doing: JOSDK retries, updateErrorStatus reports it
                    }
                    blocker = Optional.of(new StatusCalculator.Blocker(StatusCalculator.APPLY_FAILED,
                            ApplyFailure.describe(failed)));
                }
            }
        }
        // The data plane is looked after even when the spec cannot be applied: a failover must not wait
        // for a typo in a parameter to be fixed. Only a cluster never created is left alone.
        Optional<Topology> stored = new TopologyStore(context.getClient()).read(api);
        Observation seen;
        Lifecycle.Outcome outcome = null;
        if (blocker.isEmpty() || stored.isPresent()) {
            Topology topology = stored.orElseGet(() -> Topology.initial(api));
            seen = observer.observe(api, context, topology, primaryWatch.silentSince(api, topology.primary()));
            outcome = lifecycle.step(api, context.getClient(), topology, seen.replication(),
                    observer.superuserPassword(api, context));
        } else {
            seen = new Observation(api.getMetadata().getGeneration() == null ? 0 : api.getMetadata().getGeneration(),
                    Optional.empty(), 0, "", false, api.getSpec().getApi().getReplicas(),
                    previous.getApi().getReplicas() == null ? 0 : previous.getApi().getReplicas(),
                    previous.getApi().getReadyReplicas() == null ? 0 : previous.getApi().getReadyReplicas(),
                    previous.getApi().getSelector(), previous.getEndpoints());
        }
        StatusCalculator.Result result = StatusCalculator.next(previous, seen, blocker, clock.instant());
        report(api, context, result);
        CachedApiStatus status = result.status();
        if (outcome != null) {
            status.setBootstrapped(outcome.topology().bootstrapped());
            status.setPendingRestart(lifecycle.pendingRestart(api));
            if (outcome.failingOver()) {
                status.setPhase(CachedApiStatus.Phase.FailingOver);
            }
        }
        api.setStatus(status);
        Duration next = outcome == null ? recheck : outcome.lookAgainWithin()
                .filter(soon -> soon.compareTo(recheck) < 0).orElse(recheck);
        return UpdateControl.patchStatus(api).rescheduleAfter(next);
    }

    /**
     * What the schema could not catch, joined: the static checks, volumes that would shrink, and the
     * parameters against the server's own catalogue once a primary has answered.
     */
    private Optional<String> specProblems(CachedApi api, Context<CachedApi> context) {
        var problems = new ArrayList<>(SpecValidation.problems(api.getSpec()));
        problems.addAll(VolumeExpansion.problems(api, context.getClient()));
        catalogues.of(api).ifPresent(catalogue ->
                problems.addAll(ParameterCheck.problems(api.getSpec().getPostgres().getParameters(), catalogue)));
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    /**
     * A reconcile threw something unforeseen (a refused child is handled in {@link #reconcile} already):
     * {@code Ready} says so with the message, an Event too, and once JOSDK's retries are spent the next
     * attempt comes after the usual re-check period rather than never, so replication is still watched.
     */
    @Override
    public ErrorStatusUpdateControl<CachedApi> updateErrorStatus(CachedApi api, Context<CachedApi> context,
                                                                 Exception failure) {
        CachedApiStatus previous = Optional.ofNullable(api.getStatus()).orElseGet(CachedApiStatus::new);
        long generation = api.getMetadata().getGeneration() == null ? 0 : api.getMetadata().getGeneration();
        StatusCalculator.Result result = StatusCalculator.applyFailed(previous, generation,
                ApplyFailure.describe(failure), clock.instant());
        report(api, context, result);
        api.setStatus(result.status());
        boolean retriesLeft = context.getRetryInfo().map(retry -> !retry.isLastAttempt()).orElse(false);
        return retriesLeft ? ErrorStatusUpdateControl.patchStatus(api)
                : ErrorStatusUpdateControl.patchStatus(api).rescheduleAfter(recheck);
    }

    /** Logs each condition that changed and records it as an Event. */
    private void report(CachedApi api, Context<CachedApi> context, StatusCalculator.Result result) {
        for (Condition transition : result.transitions()) {
            log.info("cachedapi={}/{} condition={} status={} reason={} message=\"{}\"", api.getMetadata().getNamespace(),
                    api.getMetadata().getName(), transition.getType(), transition.getStatus(), transition.getReason(),
                    transition.getMessage());
            Events.record(context.getClient(), api, transition, clock.instant());
        }
    }
}
