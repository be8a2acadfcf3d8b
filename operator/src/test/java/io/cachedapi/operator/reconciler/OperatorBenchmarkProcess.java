package io.cachedapi.operator.reconciler;

import io.cachedapi.operator.lifecycle.FailoverSettings;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;

/**
 * The operator of {@link OperatorBenchmark}, alone in its own JVM so that the memory measured is the
 * operator's, not the mock API server's: reconciles against the API server at {@code args[0]} until its
 * standard input closes.
 */
final class OperatorBenchmarkProcess {

    static final String STARTED = "operator started";

    private OperatorBenchmarkProcess() {
    }

    public static void main(String[] args) throws Exception {
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(args[0]).build()).build();
        // The mock API server has no server-side apply: plain create and update, as in OperatorIT.
        Operator operator = new Operator(overrider -> overrider.withKubernetesClient(client)
                .withSSABasedCreateUpdateMatchForDependentResources(false).withUseSSAToPatchPrimaryResource(false));
        FakeProbes probes = new FakeProbes();
        operator.register(new CachedApiReconciler(probes, probes, FailoverSettings.DEFAULTS, Clock.systemUTC(),
                Duration.ofSeconds(30)));
        operator.start();
        System.out.println(STARTED);
        System.out.flush();
        while (System.in.read() >= 0) {
            // the benchmark closes our standard input when it is done
        }
        operator.stop();
        System.exit(0);
    }
}
