package io.cachedapi.operator.parameters;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.lifecycle.PostgresAdmin;
import io.cachedapi.operator.observer.PostgresEndpoint;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parameter catalogue of each CachedApi's PostgreSQL, read once from its primary (again when the
 * primary runs another image: another version knows other parameters). Until the first primary
 * answers there is none, and parameters are checked only for what needs no server.
 */
public final class ParameterCatalogues {

    private static final Logger log = LoggerFactory.getLogger(ParameterCatalogues.class);

    private record Known(String image, ParameterCatalogue catalogue) {
    }

    private final Map<String, Known> byUid = new ConcurrentHashMap<>();

    /** The catalogue of the server the primary runs now (the spec may name an image not rolled out yet). */
    public Optional<ParameterCatalogue> of(CachedApi api) {
        return Optional.ofNullable(byUid.get(api.getMetadata().getUid())).map(Known::catalogue);
    }

    /** Reads the catalogue from the primary unless it is known for the image that pod runs. */
    public void learn(CachedApi api, PostgresAdmin admin, PostgresEndpoint primary, Pod primaryPod) {
        String image = primaryPod == null ? "" : primaryPod.getSpec().getContainers().getFirst().getImage();
        Known known = byUid.get(api.getMetadata().getUid());
        if (known != null && known.image().equals(image)) {
            return;
        }
        try {
            byUid.put(api.getMetadata().getUid(), new Known(image, admin.catalogue(primary)));
        } catch (PostgresAdmin.PostgresAdminException e) {
            log.warn("cachedapi={}/{} cannot read the parameter catalogue yet: {}", api.getMetadata().getNamespace(),
                    api.getMetadata().getName(), e.getMessage());
        }
    }

    /** Forgets the CachedApis whose uid is not in {@code existingUids} (deleted ones). */
    public void retainOnly(Set<String> existingUids) {
        byUid.keySet().retainAll(existingUids);
    }
}
