package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;

/**
 * {@code <name>-redis-credentials}: the Redis password, created once with a random value and never
 * updated; not owned by the CachedApi, so it outlives it with the Redis volume (as the pg credentials).
 */
public class RedisCredentialsSecret extends KubernetesDependentResource<Secret, CachedApi>
        implements Creator<Secret, CachedApi> {

    public static final String PASSWORD = "password";

    public RedisCredentialsSecret() {
        super(Secret.class);
    }

    @Override
    protected Secret desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static Secret build(CachedApi api) {
        return new SecretBuilder()
                .withMetadata(Metadata.unowned(api, Names.redisCredentials(api), Labels.REDIS))
                .withType("Opaque")
                .addToStringData(PASSWORD, Passwords.generate())
                .build();
    }
}
