package io.cachedapi.operator.parameters;

import java.util.Map;
import java.util.Optional;

/** Every parameter a PostgreSQL server knows ({@code pg_settings}), read from the cluster's primary. */
public record ParameterCatalogue(Map<String, Setting> settings) {

    public Optional<Setting> get(String name) {
        return Optional.ofNullable(settings.get(name));
    }
}
