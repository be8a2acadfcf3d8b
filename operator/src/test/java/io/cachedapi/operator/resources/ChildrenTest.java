package io.cachedapi.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.postgres.BootstrapScripts;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Spec -> desired objects, field by field, for both samples. */
class ChildrenTest {

    private static final CachedApi MINIMAL = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
    private static final CachedApi FULL = Render.read(Path.of("../manifests/samples/cachedapi-full.yaml"));

    @Test
    void everyChildOfDesignsTableIsThereWithItsName() {
        assertThat(Children.desired(MINIMAL)).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "Secret/shop-pg-credentials", "Secret/shop-redis-credentials",
                        "ConfigMap/shop-pg-config", "ConfigMap/shop-topology",
                        "Service/shop-pg", "Service/shop-pg-rw", "Service/shop-pg-ro", "StatefulSet/shop-pg",
                        "PodDisruptionBudget/shop-pg", "PodDisruptionBudget/shop-pg-primary", "Service/shop-redis", "StatefulSet/shop-redis",
                        "Service/shop-api", "Deployment/shop-api", "PodDisruptionBudget/shop-api");
    }

    /** A drain may take one replica at a time, and never the primary (the operator switches over first). */
    @Test
    void theDisruptionBudgetsLetADrainTakeOneReplicaAndNeverThePrimary() {
        var replicas = PgDisruptionBudget.build(MINIMAL).getSpec();
        assertThat(MINIMAL.getSpec().getPostgres().getReplicas()).isEqualTo(1);
        assertThat(replicas.getMinAvailable().getIntVal()).as("one replica: none must stay").isZero();
        assertThat(replicas.getMaxUnavailable()).isNull();
        assertThat(PgDisruptionBudget.build(FULL).getSpec().getMinAvailable().getIntVal())
                .as("all replicas but one").isEqualTo(FULL.getSpec().getPostgres().getReplicas() - 1);
        assertThat(replicas.getSelector().getMatchLabels()).isEqualTo(Labels.pgRole(MINIMAL, Labels.REPLICA));
        var primary = PgPrimaryDisruptionBudget.build(MINIMAL).getSpec();
        assertThat(primary.getMinAvailable().getIntVal()).isEqualTo(1);
        assertThat(primary.getMaxUnavailable()).isNull();
        assertThat(primary.getSelector().getMatchLabels()).isEqualTo(Labels.pgRole(MINIMAL, Labels.PRIMARY));
    }

    @Test
    void everyChildCarriesTheRecommendedLabelsInTheResourcesNamespace() {
        for (HasMetadata child : Children.desired(FULL)) {
            assertThat(child.getMetadata().getNamespace()).isEqualTo("default");
            assertThat(child.getMetadata().getLabels()).as(child.getMetadata().getName())
                    .containsEntry("app.kubernetes.io/name", "cachedapi")
                    .containsEntry("app.kubernetes.io/instance", "shop")
                    .containsEntry("app.kubernetes.io/managed-by", "cachedapi-operator")
                    .containsEntry("app.kubernetes.io/part-of", "cachedapi")
                    .containsKey("app.kubernetes.io/component");
        }
    }

    @Test
    void thePgStatefulSetRunsTheBootstrapScriptsWithOnePodPerInstance() {
        StatefulSet minimal = PgStatefulSet.build(MINIMAL);
        StatefulSet full = PgStatefulSet.build(FULL);
        assertThat(minimal.getSpec().getReplicas()).isEqualTo(2);
        assertThat(full.getSpec().getReplicas()).isEqualTo(3);
        assertThat(minimal.getSpec().getServiceName()).isEqualTo("shop-pg");

        Container postgres = container(minimal.getSpec().getTemplate().getSpec());
        assertThat(postgres.getImage()).isEqualTo("postgres:16");
        assertThat(postgres.getCommand()).containsExactly("/etc/cachedapi/pg-config/start.sh");
        Map<String, EnvVar> env = byName(postgres.getEnv());
        assertThat(env.get("PG_INSTANCE_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(env.get("PG_PRIMARY_NAME").getValueFrom().getConfigMapKeyRef().getName()).isEqualTo("shop-topology");
        assertThat(env.get("PG_PRIMARY_HOST").getValue()).as("replicas follow whichever pod -rw selects")
                .isEqualTo("shop-pg-rw");
        assertThat(env.get("PG_BOOTSTRAPPED").getValueFrom().getConfigMapKeyRef()).satisfies(ref -> {
            assertThat(ref.getName()).isEqualTo("shop-topology");
            assertThat(ref.getKey()).isEqualTo("bootstrapped");
            assertThat(ref.getOptional()).isTrue();
        });
        assertThat(minimal.getSpec().getTemplate().getSpec().getSecurityContext().getFsGroupChangePolicy())
                .isEqualTo("OnRootMismatch");
        assertThat(env.get("PG_DATABASE").getValue()).isEqualTo("app");
        assertThat(env.get("PG_SUPERUSER_PASSWORD_FILE").getValue())
                .isEqualTo("/etc/cachedapi/pg-credentials/superuser-password");
        assertThat(env.get("PG_EXTRA_CONF").getValue()).isEqualTo("/etc/cachedapi/pg-config/extra.conf");
        // WAL sized from the 1Gi volume: together at most 448MB of it
        assertThat(env.get("PG_MAX_WAL_SIZE").getValue()).isEqualTo("128MB");
        assertThat(env.get("PG_WAL_KEEP_SIZE").getValue()).isEqualTo("64MB");
        assertThat(env.get("PG_MAX_SLOT_WAL_KEEP_SIZE").getValue()).isEqualTo("256MB");
        Map<String, EnvVar> fullEnv = byName(container(full.getSpec().getTemplate().getSpec()).getEnv());
        assertThat(fullEnv.get("PG_MAX_SLOT_WAL_KEEP_SIZE").getValue()).as("5Gi").isEqualTo("1280MB");
        assertThat(minimal.getSpec().getTemplate().getMetadata().getLabels()).doesNotContainKey(Labels.ROLE);

        var claim = full.getSpec().getVolumeClaimTemplates().getFirst();
        assertThat(claim.getSpec().getResources().getRequests().get("storage")).isEqualTo(new Quantity("5Gi"));
        assertThat(claim.getSpec().getStorageClassName()).isEqualTo("standard");
        assertThat(full.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted()).isEqualTo("Retain");
    }

    @Test
    void placementFieldsReachThePodsAndPgPodsPreferDistinctNodesByDefault() {
        PodSpec minimalPg = PgStatefulSet.build(MINIMAL).getSpec().getTemplate().getSpec();
        var preferred = minimalPg.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
        assertThat(preferred).singleElement().satisfies(term -> {
            assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(term.getPodAffinityTerm().getLabelSelector().getMatchLabels())
                    .containsEntry("app.kubernetes.io/instance", "shop").containsEntry("app.kubernetes.io/component", "postgres");
        });
        assertThat(container(minimalPg).getResources().getLimits().get("memory")).isEqualTo(new Quantity("1Gi"));

        PodSpec fullPg = PgStatefulSet.build(FULL).getSpec().getTemplate().getSpec();
        assertThat(fullPg.getTolerations()).singleElement().satisfies(toleration -> {
            assertThat(toleration.getKey()).isEqualTo("dedicated");
            assertThat(toleration.getEffect()).isEqualTo("NoSchedule");
        });
        assertThat(fullPg.getTopologySpreadConstraints()).singleElement()
                .satisfies(spread -> assertThat(spread.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway"));
        assertThat(container(fullPg).getResources().getLimits().get("memory")).isEqualTo(new Quantity("2Gi"));

        CachedApi placed = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
        placed.getSpec().getApi().setNodeSelector(Map.of("pool", "api"));
        placed.getSpec().getApi().setPriorityClassName("high");
        placed.getSpec().getRedis().setImagePullSecrets(List.of(new LocalObjectReference("registry")));
        PodSpec api = ApiDeployment.build(placed).getSpec().getTemplate().getSpec();
        assertThat(api.getNodeSelector()).containsEntry("pool", "api");
        assertThat(api.getPriorityClassName()).isEqualTo("high");
        assertThat(api.getAffinity()).as("only pg pods get a default affinity").isNull();
        assertThat(RedisStatefulSet.build(placed).getSpec().getTemplate().getSpec().getImagePullSecrets())
                .extracting(LocalObjectReference::getName).containsExactly("registry");
    }

    @Test
    void redisWithoutMaxMemoryGetsNoMemoryLimitAndParameterValuesAreEscaped() {
        CachedApi unlimited = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
        unlimited.getSpec().getRedis().setMaxMemory("0");   // no limit, for Redis
        Container redis = container(RedisStatefulSet.build(unlimited).getSpec().getTemplate().getSpec());
        assertThat(redis.getResources().getLimits()).as("a limit would kill a Redis allowed to grow").isNullOrEmpty();
        assertThat(PgConfigMap.extraConf(Map.of("search_path", "it's \\ here")))
                .contains("search_path = 'it''s \\\\ here'\n");
    }

    @Test
    void redisMemoryFollowsMaxMemoryAndLoadingIsAliveButNotReady() {
        Container full = container(RedisStatefulSet.build(FULL).getSpec().getTemplate().getSpec());   // maxMemory 512mb
        assertThat(full.getResources().getRequests().get("memory").getNumericalAmount())
                .isEqualByComparingTo(new Quantity("512Mi").getNumericalAmount());
        assertThat(full.getResources().getLimits().get("memory").getNumericalAmount())
                .isEqualByComparingTo(new Quantity("1Gi").getNumericalAmount());
        assertThat(String.join(" ", full.getStartupProbe().getExec().getCommand())).contains("PONG|LOADING");
        assertThat(String.join(" ", full.getLivenessProbe().getExec().getCommand())).contains("PONG|LOADING");
        assertThat(String.join(" ", full.getReadinessProbe().getExec().getCommand())).contains("(PONG)")
                .doesNotContain("LOADING");
    }

    @Test
    void thePgConfigMapCarriesTheScriptsTheTestsRunAndTheExtraParameters() {
        var config = PgConfigMap.build(FULL).getData();
        assertThat(config).containsAllEntriesOf(BootstrapScripts.contents());
        assertThat(config.get("extra.conf"))
                .contains("log_min_duration_statement = '500'\n")
                .contains("shared_buffers = '256MB'\n");
        assertThat(TopologyConfigMap.build(FULL).getData()).containsEntry("primary", "shop-pg-0")
                .containsEntry("bootstrapped", "false");
    }

    @Test
    void readWriteAndReadOnlyServicesSelectByTheRoleLabel() {
        Service rw = PgReadWriteService.build(MINIMAL);
        Service ro = PgReadOnlyService.build(MINIMAL);
        Service headless = PgHeadlessService.build(MINIMAL);
        assertThat(rw.getSpec().getSelector()).containsEntry(Labels.ROLE, "primary")
                .containsEntry("app.kubernetes.io/instance", "shop").containsEntry("app.kubernetes.io/component", "postgres");
        assertThat(ro.getSpec().getSelector()).containsEntry(Labels.ROLE, "replica");
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(headless.getSpec().getSelector()).doesNotContainKey(Labels.ROLE);
        assertThat(rw.getSpec().getPorts().getFirst().getPort()).isEqualTo(5432);
    }

    @Test
    void redisGetsMaxMemoryPolicyAndAppendOnlyFromTheSpecAndItsPasswordFromTheSecret() {
        Container minimal = container(RedisStatefulSet.build(MINIMAL).getSpec().getTemplate().getSpec());
        Container full = container(RedisStatefulSet.build(FULL).getSpec().getTemplate().getSpec());
        assertThat(String.join(" ", minimal.getCommand()))
                .contains("--maxmemory 256mb").contains("--maxmemory-policy allkeys-lru").contains("--appendonly yes")
                .doesNotContain("REDIS_PASSWORD\" --");
        assertThat(String.join(" ", full.getCommand())).contains("--maxmemory 512mb").contains("allkeys-lfu");
        assertThat(byName(minimal.getEnv()).get("REDIS_PASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("shop-redis-credentials");
        assertThat(full.getImage()).isEqualTo("redis:7-alpine");
    }

    @Test
    void theApiDeploymentIsWiredToTheRwAndRoServicesAndTheSecrets() {
        Deployment deployment = ApiDeployment.build(FULL);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
        Container api = container(deployment.getSpec().getTemplate().getSpec());
        Map<String, EnvVar> env = byName(api.getEnv());
        assertThat(env.keySet()).containsExactlyElementsOf(WiringContract.NAMES);
        assertThat(env.get("CACHEDAPI_DB_WRITE_URL").getValue()).isEqualTo("jdbc:postgresql://shop-pg-rw:5432/app");
        assertThat(env.get("CACHEDAPI_DB_READ_URL").getValue()).isEqualTo("jdbc:postgresql://shop-pg-ro:5432/app");
        assertThat(env.get("CACHEDAPI_DB_USERNAME").getValue()).isEqualTo("app");
        assertThat(env.get("CACHEDAPI_DB_PASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("shop-pg-credentials");
        assertThat(env.get("CACHEDAPI_DB_PASSWORD").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("app-password");
        assertThat(env.get("CACHEDAPI_REDIS_HOST").getValue()).isEqualTo("shop-redis");
        assertThat(env.get("CACHEDAPI_REDIS_PORT").getValue()).isEqualTo("6379");
        assertThat(env.get("CACHEDAPI_REDIS_PASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("shop-redis-credentials");
        assertThat(env.get("CACHEDAPI_CACHE_TTL").getValue()).isEqualTo("120s");
        assertThat(env.get("CACHEDAPI_CACHE_TIMEOUT").getValue()).isEqualTo("50ms");
        assertThat(env.get("CACHEDAPI_INSTANCE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(api.getResources().getRequests().get("cpu")).isEqualTo(new Quantity("200m"));
        assertThat(api.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
        assertThat(api.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
    }

    @Test
    void aConfigurationChangeChangesThePodTemplateHash() {
        String before = hash(ApiDeployment.build(MINIMAL));
        CachedApi changed = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
        changed.getSpec().getCache().setTtl("30s");
        assertThat(hash(ApiDeployment.build(changed))).isNotEqualTo(before);
        changed.getSpec().getCache().setTtl(MINIMAL.getSpec().getCache().getTtl());
        changed.getSpec().getApi().setReplicas(7);
        assertThat(hash(ApiDeployment.build(changed))).as("scaling is not a configuration change").isEqualTo(before);
    }

    @Test
    void everyContainerIsNonRootWithoutPrivilegeEscalationUnderRuntimeDefaultSeccomp() {
        List<PodSpec> pods = List.of(PgStatefulSet.build(FULL).getSpec().getTemplate().getSpec(),
                RedisStatefulSet.build(FULL).getSpec().getTemplate().getSpec(),
                ApiDeployment.build(FULL).getSpec().getTemplate().getSpec());
        for (PodSpec pod : pods) {
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
            assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            for (Container container : pod.getContainers()) {
                assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
                assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
                assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
                assertThat(container.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            }
        }
    }

    @Test
    void credentialsAreRandomAndNeverTheSameTwice() {
        var first = PgCredentialsSecret.build(MINIMAL).getStringData();
        var second = PgCredentialsSecret.build(MINIMAL).getStringData();
        assertThat(first.keySet()).containsExactlyInAnyOrder("superuser-password", "replication-password", "app-password");
        assertThat(first.values()).doesNotHaveDuplicates().allSatisfy(password -> assertThat(password).hasSize(32));
        assertThat(first.get("app-password")).isNotEqualTo(second.get("app-password"));
    }

    private static String hash(Deployment deployment) {
        return deployment.getSpec().getTemplate().getMetadata().getAnnotations().get(ApiDeployment.CONFIG_HASH);
    }

    private static Container container(PodSpec pod) {
        assertThat(pod.getContainers()).hasSize(1);
        return pod.getContainers().getFirst();
    }

    private static Map<String, EnvVar> byName(List<EnvVar> env) {
        return env.stream().collect(Collectors.toMap(EnvVar::getName, var -> var, (a, b) -> a,
                java.util.LinkedHashMap::new));
    }
}
