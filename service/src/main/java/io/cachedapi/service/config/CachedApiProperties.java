package io.cachedapi.service.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The service's own settings, bound from the wiring contract in application.yaml.
 *
 * @param instance the name reported in every response body (the pod name in a cluster)
 */
@Validated
@ConfigurationProperties("cachedapi")
public record CachedApiProperties(@NotBlank String instance, @Valid @NotNull Db db, @Valid @NotNull Cache cache) {

    /**
     * @param writeUrl the primary: writes, and reads no replica can serve
     * @param readUrl  the replicas (a Service in a cluster, a host list locally)
     */
    public record Db(@NotBlank String writeUrl, @NotBlank String readUrl, @NotBlank String username, String password) {
    }

    /**
     * @param ttl     how long a cached entry lives
     * @param timeout       the longest a Redis command may take before the read goes on without the cache
     * @param nearCacheSize how much memory the in-process copies of cached entries may take (0: none)
     */
    public record Cache(@NotNull Duration ttl, @NotNull Duration timeout, @NotNull DataSize nearCacheSize) {
    }
}
