package io.cachedapi.operator.resources;

import io.cachedapi.operator.crd.CachedApi;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;

/**
 * {@code <name>-pg-credentials}: the superuser, replication and application passwords. Created once
 * with random values and never updated, so a reconcile can never rotate a password by accident. Not
 * owned by the CachedApi: like the volumes, it outlives it, so a CachedApi made again on the same
 * volumes finds the passwords its data was made with.
 */
public class PgCredentialsSecret extends KubernetesDependentResource<Secret, CachedApi>
        implements Creator<Secret, CachedApi> {

    public static final String SUPERUSER = "postgres";
    public static final String REPLICATION_USER = "replicator";
    public static final String APP_USER = "app";
    public static final String SUPERUSER_PASSWORD = "superuser-password";
    public static final String REPLICATION_PASSWORD = "replication-password";
    public static final String APP_PASSWORD = "app-password";

    public PgCredentialsSecret() {
        super(Secret.class);
    }

    @Override
    protected Secret desired(CachedApi api, Context<CachedApi> context) {
        return build(api);
    }

    public static Secret build(CachedApi api) {
        return new SecretBuilder()
                .withMetadata(Metadata.unowned(api, Names.pgCredentials(api), Labels.POSTGRES))
                .withType("Opaque")
                .addToStringData(SUPERUSER_PASSWORD, Passwords.generate())
                .addToStringData(REPLICATION_PASSWORD, Passwords.generate())
                .addToStringData(APP_PASSWORD, Passwords.generate())
                .build();
    }
}
