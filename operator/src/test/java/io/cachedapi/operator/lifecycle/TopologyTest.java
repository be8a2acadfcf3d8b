package io.cachedapi.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The topology record and the ConfigMap data pods read it from (start.sh parses PG_RECLONE). */
class TopologyTest {

    private static final CachedApi API = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));

    @Test
    void reCloneRequestsCountPerPodAndSurviveTheRoundTripThroughTheConfigMap() {
        Topology topology = Topology.initial(API).markBootstrapped().withSystem("7441").withReclone("shop-pg-2")
                .withReclone("shop-pg-1").withReclone("shop-pg-2");

        assertThat(topology.data()).containsEntry("reclone", "shop-pg-1=1 shop-pg-2=2").containsEntry("system", "7441");
        assertThat(Topology.from(API, topology.data())).isEqualTo(topology);
        assertThat(topology.withPrimary("shop-pg-1").reclones()).isEqualTo(Map.of("shop-pg-1", 1, "shop-pg-2", 2));
    }

    @Test
    void aTopologyWithoutRequestsWritesNoRecloneKey() {
        Topology initial = Topology.initial(API);

        assertThat(initial.data()).containsOnlyKeys("primary", "bootstrapped");
        assertThat(Topology.from(API, initial.data())).isEqualTo(initial);
        assertThat(Topology.from(API, Map.of("primary", "shop-pg-1", "reclone", " ")).reclones()).isEmpty();
    }
}
