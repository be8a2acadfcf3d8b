package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/**
 * {@code <name>-redis}: one Redis with the password from its Secret (written to a private config file,
 * never on a command line), maxmemory, eviction policy and append-only file from {@code spec.redis}.
 */
public class RedisStatefulSet extends CRUDKubernetesDependentResource<StatefulSet, CachedApi> {

    public static final int PORT = 6379;

    public RedisStatefulSet() {
        super(StatefulSet.class);
    }

    @Override
    protected StatefulSet desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static StatefulSet build(CachedApi api) {
        CachedApiSpec.Redis redis = api.getSpec().getRedis();
        Probe answers = ping("PONG");
        // Loading its append-only file, Redis answers LOADING: alive, not ready. The startup probe gives a
        // large file minutes; liveness never kills a Redis that is still loading.
        Probe alive = ping("PONG|LOADING");
        StatefulSet set = new StatefulSetBuilder()
                .withMetadata(Metadata.of(api, Names.redis(api), Labels.REDIS))
                .withNewSpec()
                .withReplicas(1)
                .withServiceName(Names.redis(api))
                .withNewSelector().withMatchLabels(Labels.selector(api, Labels.REDIS)).endSelector()
                .withNewPersistentVolumeClaimRetentionPolicy().withWhenDeleted("Retain").withWhenScaled("Delete")
                .endPersistentVolumeClaimRetentionPolicy()
                .withNewTemplate()
                .withNewMetadata().withLabels(Labels.of(api, Labels.REDIS)).endMetadata()
                .withNewSpec()
                .withSecurityContext(Security.pod(Security.REDIS_UID))
                .withEnableServiceLinks(false)
                .addToContainers(new ContainerBuilder()
                        .withName("redis")
                        .withImage(redis.getImage())
                        .withCommand("sh", "-c", command(redis))
                        .addToEnv(new EnvVarBuilder().withName("REDIS_PASSWORD").withNewValueFrom()
                                .withNewSecretKeyRef().withName(Names.redisCredentials(api))
                                .withKey(RedisCredentialsSecret.PASSWORD).endSecretKeyRef().endValueFrom().build())
                        .addNewPort().withName("redis").withContainerPort(PORT).endPort()
                        .withStartupProbe(new ProbeBuilder(alive).withFailureThreshold(60).build())
                        .withReadinessProbe(answers)
                        .withLivenessProbe(new ProbeBuilder(alive).withPeriodSeconds(10).withFailureThreshold(6).build())
                        .withResources(PodPlacement.resources(redis, defaultResources(redis)))
                        .withSecurityContext(Security.container(true))
                        .addToVolumeMounts(
                                new VolumeMountBuilder().withName("data").withMountPath("/data").build(),
                                new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build())
                        .build())
                .addToVolumes(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build())
                .endSpec()
                .endTemplate()
                .addToVolumeClaimTemplates(new PersistentVolumeClaimBuilder()
                        .withNewMetadata().withName("data").withLabels(Labels.selector(api, Labels.REDIS)).endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .withStorageClassName(redis.getStorage().getStorageClassName())
                        .withNewResources().addToRequests("storage", new Quantity(redis.getStorage().getSize()))
                        .endResources()
                        .endSpec()
                        .build())
                .endSpec()
                .build();
        PodPlacement.apply(set.getSpec().getTemplate().getSpec(), redis, null);
        return set;
    }

    /**
     * Memory from maxMemory: requested as much as the data may take, limited to twice that, which leaves
     * room for fragmentation and for the copy-on-write pages of the fork that rewrites the AOF.
     */
    static ResourceRequirements defaultResources(CachedApiSpec.Redis redis) {
        long bytes = redis.maxMemoryBytes();
        var resources = new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity("50m"))
                .addToRequests("memory", new Quantity(Long.toString(Math.max(bytes, 64L << 20))));
        if (bytes > 0) {   // maxMemory 0 is no limit for Redis: no memory limit for its pod either
            resources.addToLimits("memory", new Quantity(Long.toString(Math.max(2 * bytes, 128L << 20))));
        }
        return resources.build();
    }

    /** redis-cli PING, passing when the answer matches {@code answers} (an extended regular expression). */
    private static Probe ping(String answers) {
        return new ProbeBuilder()
                .withNewExec().withCommand("sh", "-c",
                        "REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli ping | grep -qE '^(" + answers + ")'")
                .endExec()
                .withPeriodSeconds(5).withTimeoutSeconds(3).build();
    }

    static String command(CachedApiSpec.Redis redis) {
        return "umask 077 && printf 'requirepass %s\\n' \"$REDIS_PASSWORD\" > /tmp/redis.conf"
                + " && exec redis-server /tmp/redis.conf --port " + PORT + " --dir /data"
                + " --maxmemory " + redis.getMaxMemory()
                + " --maxmemory-policy " + redis.getMaxMemoryPolicy().redisName()
                + " --appendonly " + (Boolean.TRUE.equals(redis.getAppendOnly()) ? "yes" : "no");
    }
}
