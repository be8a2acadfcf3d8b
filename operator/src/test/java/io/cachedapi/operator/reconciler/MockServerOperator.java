package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.lifecycle.FailoverSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;

/**
 * The operator as the mock-API-server tests run it: its reconciler with {@code probes} for PostgreSQL,
 * re-checking every second, and server-side apply off (the mock server has none).
 */
final class MockServerOperator {

    private MockServerOperator() {
    }

    static Operator start(KubernetesClient client, FakeProbes probes) {
        var operator = new Operator(overrider -> overrider
                .withKubernetesClient(client)
                .withCloseClientOnStop(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withUseSSAToPatchPrimaryResource(false));
        operator.register(new CachedApiReconciler(probes, probes, FailoverSettings.DEFAULTS, Clock.systemUTC(),
                Duration.ofSeconds(1)));
        operator.start();
        return operator;
    }
}
