package io.cachedapi.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {

    @Test
    void defaultsWatchEveryNamespaceWithoutLeaderElection() {
        OperatorSettings settings = OperatorSettings.from(Map.of());
        assertThat(settings.watchedNamespaces()).isEmpty();
        assertThat(settings.leaderElectionNamespace()).isNull();
        assertThat(settings.httpPort()).isEqualTo(8080);
        assertThat(settings.maxReplayLagBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(settings.recheck()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theEnvironmentSetsNamespacesLeaderElectionPortAndRecheck() {
        OperatorSettings settings = OperatorSettings.from(Map.of("WATCH_NAMESPACES", " shop, blog ,,",
                "LEADER_ELECTION_NAMESPACE", "cachedapi-system", "HTTP_PORT", "9090", "RECHECK_SECONDS", "10"));
        assertThat(settings.watchedNamespaces()).containsExactlyInAnyOrder("shop", "blog");
        assertThat(settings.leaderElectionNamespace()).isEqualTo("cachedapi-system");
        assertThat(settings.httpPort()).isEqualTo(9090);
        assertThat(settings.recheck()).isEqualTo(Duration.ofSeconds(10));
    }
}
