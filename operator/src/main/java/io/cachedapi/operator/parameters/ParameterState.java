package io.cachedapi.operator.parameters;

import java.util.List;
import java.util.Map;

/**
 * What one server has of {@code spec.postgres.parameters}: the file as it reads it now
 * ({@code pg_file_settings}: the ConfigMap reaches a pod some time after it changed), values it
 * refused there, and the settings whose new value waits for a restart ({@code pg_settings.pending_restart}).
 */
public record ParameterState(Map<String, String> inFile, List<String> errors, List<String> pendingRestart) {
}
