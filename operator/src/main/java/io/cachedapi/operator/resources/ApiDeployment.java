package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code <name>-api}: the API pods with the wiring contract (DESIGN.md): the write pool on the
 * {@code -rw} Service, the read pool on {@code -ro}, passwords from the Secrets, the pod name as the
 * instance. A hash of that configuration on the pod template rolls the pods when it changes.
 */
public class ApiDeployment extends CRUDKubernetesDependentResource<Deployment, CachedApi> {

    public static final int HTTP_PORT = 8080;
    public static final String CONFIG_HASH = "cachedapi.io/config-hash";
    /** An API pod's resources unless spec.api.resources says otherwise. */
    private static final ResourceRequirements DEFAULT_RESOURCES = new ResourceRequirementsBuilder()
            .addToRequests("cpu", new Quantity("100m"))
            .addToRequests("memory", new Quantity("256Mi"))
            .addToLimits("memory", new Quantity("512Mi"))
            .build();

    public ApiDeployment() {
        super(Deployment.class);
    }

    @Override
    protected Deployment desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static Deployment build(CachedApi api) {
        CachedApiSpec.Api spec = api.getSpec().getApi();
        List<EnvVar> env = wiring(api);
        Deployment deployment = new DeploymentBuilder()
                .withMetadata(Metadata.of(api, Names.api(api), Labels.API))
                .withNewSpec()
                .withReplicas(spec.getReplicas())
                .withNewSelector().withMatchLabels(Labels.selector(api, Labels.API)).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withNewMaxUnavailable(0).withNewMaxSurge(1).endRollingUpdate().endStrategy()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(Labels.of(api, Labels.API))
                .addToAnnotations(CONFIG_HASH, hash(spec.getImage(), env))
                .endMetadata()
                .withNewSpec()
                .withSecurityContext(Security.pod(Security.API_UID))
                .withEnableServiceLinks(false)
                .addToContainers(new ContainerBuilder()
                        .withName("api")
                        .withImage(spec.getImage())
                        .withEnv(env)
                        .addNewPort().withName("http").withContainerPort(HTTP_PORT).endPort()
                        .withNewStartupProbe().withNewHttpGet().withPath("/actuator/health/liveness")
                        .withNewPort("http").endHttpGet().withPeriodSeconds(2).withFailureThreshold(60).endStartupProbe()
                        .withNewLivenessProbe().withNewHttpGet().withPath("/actuator/health/liveness")
                        .withNewPort("http").endHttpGet().withPeriodSeconds(10).withFailureThreshold(3).endLivenessProbe()
                        .withNewReadinessProbe().withNewHttpGet().withPath("/actuator/health/readiness")
                        .withNewPort("http").endHttpGet().withPeriodSeconds(5).withFailureThreshold(2).endReadinessProbe()
                        .withResources(PodPlacement.resources(spec, DEFAULT_RESOURCES))
                        .withSecurityContext(Security.container(true))
                        .addToVolumeMounts(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build())
                        .build())
                .addToVolumes(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        PodPlacement.apply(deployment.getSpec().getTemplate().getSpec(), spec, null);
        return deployment;
    }

    /** The CACHEDAPI_* variables, in {@link WiringContract} order. */
    static List<EnvVar> wiring(CachedApi api) {
        String database = api.getSpec().getPostgres().getDatabase();
        var env = new ArrayList<EnvVar>();
        env.add(value(WiringContract.DB_WRITE_URL,
                "jdbc:postgresql://" + Names.pgReadWrite(api) + ":" + PgStatefulSet.PORT + "/" + database));
        env.add(value(WiringContract.DB_READ_URL,
                "jdbc:postgresql://" + Names.pgReadOnly(api) + ":" + PgStatefulSet.PORT + "/" + database));
        env.add(value(WiringContract.DB_USERNAME, PgCredentialsSecret.APP_USER));
        env.add(secret(WiringContract.DB_PASSWORD, Names.pgCredentials(api), PgCredentialsSecret.APP_PASSWORD));
        env.add(value(WiringContract.REDIS_HOST, Names.redis(api)));
        env.add(value(WiringContract.REDIS_PORT, Integer.toString(RedisStatefulSet.PORT)));
        env.add(secret(WiringContract.REDIS_PASSWORD, Names.redisCredentials(api), RedisCredentialsSecret.PASSWORD));
        env.add(value(WiringContract.CACHE_TTL, api.getSpec().getCache().getTtl()));
        env.add(value(WiringContract.CACHE_TIMEOUT, api.getSpec().getCache().getTimeout()));
        env.add(new EnvVarBuilder().withName(WiringContract.INSTANCE).withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.name").endFieldRef().endValueFrom().build());
        return env;
    }

    /** A digest of what configures the pods (secrets by reference only). */
    private static String hash(String image, List<EnvVar> env) {
        try {
            var digest = MessageDigest.getInstance("SHA-256");
            digest.update(image.getBytes(StandardCharsets.UTF_8));
            for (EnvVar var : env) {
                digest.update((var.getName() + "=" + var.getValue() + ";").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EnvVar value(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static EnvVar secret(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef().withName(secret)
                .withKey(key).endSecretKeyRef().endValueFrom().build();
    }
}
