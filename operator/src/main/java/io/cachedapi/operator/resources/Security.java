package io.cachedapi.operator.resources;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/** Every pod runs as a fixed non-root user, without privilege escalation, with the runtime's seccomp profile. */
final class Security {

    /** The uid the official postgres and redis images give their server account. */
    static final long POSTGRES_UID = 999;
    static final long REDIS_UID = 999;
    /** Any non-root uid: the API image needs nothing of its own. */
    static final long API_UID = 10001;

    private Security() {
    }

    static PodSecurityContext pod(long uid) {
        return new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(uid)
                .withRunAsGroup(uid)
                .withFsGroup(uid)
                // Re-own a volume only when its root does not match, not on every mount (start.sh also
                // makes PGDATA 0700 on every start, whatever the volume did to it)
                .withFsGroupChangePolicy("OnRootMismatch")
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    static SecurityContext container(boolean readOnlyRootFilesystem) {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(readOnlyRootFilesystem)
                .withNewCapabilities().addToDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }
}
