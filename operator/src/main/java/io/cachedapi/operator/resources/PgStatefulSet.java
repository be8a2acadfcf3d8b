package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiSpec;
import io.cachedapi.operator.postgres.BootstrapScripts;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code <name>-pg}: {@code 1 + spec.postgres.replicas} pods, each running the bootstrap scripts on its
 * own volume. The topology ConfigMap names the primary (pod 0 at first, the promoted replica after a
 * failover); every other pod clones it with pg_basebackup and streams from it through the {@code -rw}
 * Service. The {@code cachedapi.io/role} label is not set here: the operator sets it from what each
 * pod's PostgreSQL answers.
 */
public class PgStatefulSet extends CRUDKubernetesDependentResource<StatefulSet, CachedApi> {

    public static final int PORT = 5432;
    static final String DATA_MOUNT = "/var/lib/postgresql/data";
    static final String CONFIG_MOUNT = "/etc/cachedapi/pg-config";
    static final String CREDENTIALS_MOUNT = "/etc/cachedapi/pg-credentials";
    static final String SOCKET_DIR = "/var/run/postgresql";

    public PgStatefulSet() {
        super(StatefulSet.class);
    }

    @Override
    protected StatefulSet desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static StatefulSet build(CachedApi api) {
        CachedApiSpec.Postgres postgres = api.getSpec().getPostgres();
        Probe accepting = new ProbeBuilder()
                .withNewExec().withCommand("pg_isready", "--host=127.0.0.1", "--port=" + PORT).endExec()
                .withPeriodSeconds(10).withTimeoutSeconds(5).build();
        StatefulSet set = new StatefulSetBuilder()
                .withMetadata(Metadata.of(api, Names.pg(api), Labels.POSTGRES))
                .withNewSpec()
                .withReplicas(1 + postgres.getReplicas())
                .withServiceName(Names.pg(api))
                .withPodManagementPolicy("OrderedReady")
                // the operator replaces pods itself after a template change, replicas first and the primary
                // after a switchover (the lifecycle's Rollout)
                .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
                .withNewSelector().withMatchLabels(Labels.selector(api, Labels.POSTGRES)).endSelector()
                .withNewPersistentVolumeClaimRetentionPolicy()
                // Data outlives the CachedApi (delete the PVCs to drop it); a removed replica's volume goes.
                .withWhenDeleted("Retain").withWhenScaled("Delete")
                .endPersistentVolumeClaimRetentionPolicy()
                .withNewTemplate()
                .withNewMetadata().withLabels(Labels.of(api, Labels.POSTGRES)).endMetadata()
                .withNewSpec()
                .withSecurityContext(Security.pod(Security.POSTGRES_UID))
                .withEnableServiceLinks(false)
                .withTerminationGracePeriodSeconds(60L)
                .addToContainers(new ContainerBuilder()
                        .withName("postgres")
                        .withImage(postgres.getImage())
                        .withCommand(CONFIG_MOUNT + "/" + BootstrapScripts.ENTRYPOINT)
                        .withEnv(environment(api))
                        .addNewPort().withName("postgres").withContainerPort(PORT).endPort()
                        .withStartupProbe(new ProbeBuilder(accepting).withFailureThreshold(90).build())
                        .withReadinessProbe(new ProbeBuilder(accepting).withPeriodSeconds(5).withFailureThreshold(3).build())
                        .withLivenessProbe(new ProbeBuilder(accepting).withFailureThreshold(6).build())
                        .withResources(PodPlacement.resources(postgres, new ResourceRequirementsBuilder()
                                .addToRequests("cpu", new Quantity("100m"))
                                .addToRequests("memory", new Quantity("256Mi"))
                                .addToLimits("memory", new Quantity("1Gi"))
                                .build()))
                        .withSecurityContext(Security.container(false))
                        .addToVolumeMounts(
                                new VolumeMountBuilder().withName("data").withMountPath(DATA_MOUNT).build(),
                                new VolumeMountBuilder().withName("config").withMountPath(CONFIG_MOUNT)
                                        .withReadOnly(true).build(),
                                new VolumeMountBuilder().withName("credentials").withMountPath(CREDENTIALS_MOUNT)
                                        .withReadOnly(true).build(),
                                new VolumeMountBuilder().withName("run").withMountPath(SOCKET_DIR).build())
                        .build())
                .addToVolumes(
                        new VolumeBuilder().withName("config").withNewConfigMap().withName(Names.pgConfig(api))
                                .withDefaultMode(0555).endConfigMap().build(),
                        new VolumeBuilder().withName("credentials").withNewSecret()
                                .withSecretName(Names.pgCredentials(api)).withDefaultMode(0440).endSecret().build(),
                        new VolumeBuilder().withName("run").withNewEmptyDir().endEmptyDir().build())
                .endSpec()
                .endTemplate()
                .addToVolumeClaimTemplates(new PersistentVolumeClaimBuilder()
                        .withNewMetadata().withName("data").withLabels(Labels.selector(api, Labels.POSTGRES)).endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .withStorageClassName(postgres.getStorage().getStorageClassName())
                        .withNewResources().addToRequests("storage", new Quantity(postgres.getStorage().getSize()))
                        .endResources()
                        .endSpec()
                        .build())
                .endSpec()
                .build();
        PodPlacement.apply(set.getSpec().getTemplate().getSpec(), postgres, PodPlacement.spreadPostgres(api));
        return set;
    }

    /** The bootstrap scripts' environment contract (see common.sh). */
    static List<EnvVar> environment(CachedApi api) {
        var env = new ArrayList<EnvVar>();
        env.add(value("PGDATA", DATA_MOUNT + "/pgdata"));
        env.add(value("PGPORT", Integer.toString(PORT)));
        env.add(value("PG_SOCKET_DIR", SOCKET_DIR));
        env.add(new EnvVarBuilder().withName("PG_INSTANCE_NAME")
                .withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().build());
        env.add(new EnvVarBuilder().withName("PG_PRIMARY_NAME")
                .withNewValueFrom().withNewConfigMapKeyRef().withName(Names.topology(api))
                .withKey(TopologyConfigMap.PRIMARY).endConfigMapKeyRef().endValueFrom().build());
        env.add(new EnvVarBuilder().withName("PG_BOOTSTRAPPED")
                .withNewValueFrom().withNewConfigMapKeyRef().withName(Names.topology(api))
                .withKey(TopologyConfigMap.BOOTSTRAPPED).withOptional(true).endConfigMapKeyRef().endValueFrom().build());
        // the fresh clones the operator asked for, one generation per pod (absent until the first)
        env.add(new EnvVarBuilder().withName("PG_RECLONE")
                .withNewValueFrom().withNewConfigMapKeyRef().withName(Names.topology(api))
                .withKey(TopologyConfigMap.RECLONE).withOptional(true).endConfigMapKeyRef().endValueFrom().build());
        // Replicas clone from and stream from whichever pod is primary now: a promotion needs no restart
        env.add(value("PG_PRIMARY_HOST", Names.pgReadWrite(api)));
        env.add(value("PG_PRIMARY_PORT", Integer.toString(PORT)));
        env.add(value("PG_DATABASE", api.getSpec().getPostgres().getDatabase()));
        env.add(value("PG_SUPERUSER", PgCredentialsSecret.SUPERUSER));
        env.add(value("PG_REPLICATION_USER", PgCredentialsSecret.REPLICATION_USER));
        env.add(value("PG_APP_USER", PgCredentialsSecret.APP_USER));
        env.add(value("PG_SUPERUSER_PASSWORD_FILE", CREDENTIALS_MOUNT + "/" + PgCredentialsSecret.SUPERUSER_PASSWORD));
        env.add(value("PG_REPLICATION_PASSWORD_FILE", CREDENTIALS_MOUNT + "/" + PgCredentialsSecret.REPLICATION_PASSWORD));
        env.add(value("PG_APP_PASSWORD_FILE", CREDENTIALS_MOUNT + "/" + PgCredentialsSecret.APP_PASSWORD));
        env.add(value("PG_EXTRA_CONF", CONFIG_MOUNT + "/" + PgConfigMap.EXTRA_CONF));
        WalBudget wal = WalBudget.of(new Quantity(api.getSpec().getPostgres().getStorage().getSize()));
        env.add(value("PG_MAX_WAL_SIZE", wal.maxWalSize()));
        env.add(value("PG_WAL_KEEP_SIZE", wal.walKeepSize()));
        env.add(value("PG_MAX_SLOT_WAL_KEEP_SIZE", wal.maxSlotWalKeepSize()));
        return env;
    }

    /**
     * WAL sized from the volume, so that WAL alone cannot fill it: between checkpoints an eighth (at most
     * 4 GB), kept for a former primary's pg_rewind a sixteenth (at most 1 GB), held for a replica that
     * fell behind a quarter; together at most seven sixteenths of the volume, the rest for the data.
     * A parameter of the same name in spec.postgres.parameters wins.
     */
    record WalBudget(String maxWalSize, String walKeepSize, String maxSlotWalKeepSize) {
        static WalBudget of(Quantity volume) {
            long megabytes = Quantity.getAmountInBytes(volume).longValue() >> 20;
            return new WalBudget(megabytes(Math.clamp(megabytes / 8, 64, 4096)),
                    megabytes(Math.clamp(megabytes / 16, 32, 1024)), megabytes(Math.max(megabytes / 4, 64)));
        }

        private static String megabytes(long value) {
            return value + "MB";
        }
    }

    private static EnvVar value(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }
}
