package io.cachedapi.operator;

import io.cachedapi.operator.lifecycle.FailoverSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator process's settings, from its environment (the Helm chart sets them).
 *
 * @param watchedNamespaces       WATCH_NAMESPACES, comma-separated; empty: every namespace
 * @param leaderElectionNamespace LEADER_ELECTION_NAMESPACE; set (to the operator's own namespace) to let
 *                                several replicas run with one active
 * @param httpPort                HTTP_PORT of /healthz, /readyz and /metrics (default 8080)
 * @param maxReplayLagBytes       MAX_REPLAY_LAG_BYTES above which a replica is reported as lagging (default 64 MiB)
 * @param recheck                 RECHECK_SECONDS between two verifications of a CachedApi (default 30)
 * @param failover                MAX_LAG_ON_FAILOVER_BYTES (32 MiB) and PRIMARY_CHECK_MILLIS (1000), see
 *                                {@link FailoverSettings}
 */
public record OperatorSettings(Set<String> watchedNamespaces, String leaderElectionNamespace, int httpPort,
                               long maxReplayLagBytes, Duration recheck, FailoverSettings failover) {

    public static OperatorSettings from(Map<String, String> env) {
        Set<String> namespaces = Arrays.stream(env.getOrDefault("WATCH_NAMESPACES", "").split(","))
                .map(String::strip).filter(namespace -> !namespace.isEmpty()).collect(Collectors.toUnmodifiableSet());
        String leaderElection = env.getOrDefault("LEADER_ELECTION_NAMESPACE", "").strip();
        return new OperatorSettings(namespaces, leaderElection.isEmpty() ? null : leaderElection,
                Integer.parseInt(env.getOrDefault("HTTP_PORT", "8080")),
                Long.parseLong(env.getOrDefault("MAX_REPLAY_LAG_BYTES", Long.toString(64L * 1024 * 1024))),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("RECHECK_SECONDS", "30"))),
                new FailoverSettings(
                        Long.parseLong(env.getOrDefault("MAX_LAG_ON_FAILOVER_BYTES",
                                Long.toString(FailoverSettings.DEFAULTS.maxLagBytes()))),
                        Duration.ofMillis(Long.parseLong(env.getOrDefault("PRIMARY_CHECK_MILLIS",
                                Long.toString(FailoverSettings.DEFAULTS.watchPeriod().toMillis())))),
                        FailoverSettings.DEFAULTS.promotionTimeout()));
    }
}
