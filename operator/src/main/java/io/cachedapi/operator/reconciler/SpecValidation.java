package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.crd.CachedApiSpec;
import io.cachedapi.operator.crd.Durations;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the CRD schema cannot say. Each problem names the field and what to do; while there is one,
 * the operator changes nothing it created and reports the problems in the Ready condition.
 */
public final class SpecValidation {

    private static final Pattern PARAMETER_NAME = Pattern.compile("[a-z_][a-z0-9_.]*");

    /** Set by the bootstrap scripts: replication depends on them. */
    static final Set<String> MANAGED_PARAMETERS = Set.of("listen_addresses", "port", "unix_socket_directories",
            "cluster_name", "password_encryption", "wal_level", "max_wal_senders", "max_replication_slots",
            "hot_standby", "primary_conninfo", "primary_slot_name", "data_directory",
            "hba_file", "ident_file", "include", "include_dir", "include_if_exists");

    private SpecValidation() {
    }

    public static List<String> problems(CachedApiSpec spec) {
        var problems = new ArrayList<String>();
        spec.getPostgres().getParameters().forEach((name, value) -> {
            if (!PARAMETER_NAME.matcher(name).matches()) {
                problems.add("spec.postgres.parameters: '" + name + "' is not a PostgreSQL parameter name");
            } else if (MANAGED_PARAMETERS.contains(name)) {
                problems.add("spec.postgres.parameters." + name + " is set by the operator (replication depends on it);"
                        + " remove it");
            }
            if (value == null || value.contains("\n")) {
                problems.add("spec.postgres.parameters." + name + " must be a single-line value");
            }
        });
        try {
            if (spec.getRedis().maxMemoryBytes() > 1L << 40) {
                problems.add("spec.redis.maxMemory (" + spec.getRedis().getMaxMemory() + ") is above 1024gb");
            }
        } catch (ArithmeticException | NumberFormatException tooLarge) {
            problems.add("spec.redis.maxMemory (" + spec.getRedis().getMaxMemory() + ") is above 1024gb");
        }
        CachedApiSpec.Cache cache = spec.getCache();
        if (duration(cache.getTimeout()).compareTo(duration(cache.getTtl())) >= 0) {
            problems.add("spec.cache.timeout (" + cache.getTimeout() + ") must be shorter than spec.cache.ttl ("
                    + cache.getTtl() + ")");
        }
        var resources = spec.getApi().getResources();
        if (resources != null && resources.getRequests() != null && resources.getLimits() != null) {
            for (String resource : List.of("cpu", "memory")) {
                Quantity request = resources.getRequests().get(resource);
                Quantity limit = resources.getLimits().get(resource);
                if (request != null && limit != null
                        && request.getNumericalAmount().compareTo(limit.getNumericalAmount()) > 0) {
                    problems.add("spec.api.resources: the " + resource + " request (" + request
                            + ") is above its limit (" + limit + ")");
                }
            }
        }
        return problems;
    }

    static Duration duration(String value) {
        return Durations.parse(value);
    }
}
