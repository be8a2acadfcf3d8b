package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.resources.Names;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who the primary is, and whether the cluster was ever bootstrapped: the one record every decision
 * about the primary rests on. It lives in the topology ConfigMap, which pods read at start
 * (PG_PRIMARY_NAME, PG_BOOTSTRAPPED) and which the operator changes only by compare-and-set, so two
 * promotions can never both succeed.
 *
 * @param primary      the pod that is (or is being made) the primary
 * @param bootstrapped true once that primary was seen answering as a primary: from then on no pod runs
 *                     initdb, and a lost primary volume means a promotion, never a new empty primary
 */
public record Topology(String primary, boolean bootstrapped) {

    public static final String PRIMARY = "primary";
    public static final String BOOTSTRAPPED = "bootstrapped";

    /** A cluster never started: pod 0 is to be initialised as the primary. */
    public static Topology initial(CachedApi api) {
        return new Topology(Names.pgPod(api, 0), false);
    }

    /** The topology a ConfigMap's data holds; a missing primary means the initial one. */
    public static Topology from(CachedApi api, Map<String, String> data) {
        Map<String, String> values = data == null ? Map.of() : data;
        String primary = values.get(PRIMARY);
        return new Topology(primary == null || primary.isBlank() ? Names.pgPod(api, 0) : primary,
                Boolean.parseBoolean(values.get(BOOTSTRAPPED)));
    }

    public Map<String, String> data() {
        var data = new LinkedHashMap<String, String>();
        data.put(PRIMARY, primary);
        data.put(BOOTSTRAPPED, Boolean.toString(bootstrapped));
        return data;
    }

    public Topology withPrimary(String newPrimary) {
        return new Topology(newPrimary, bootstrapped);
    }

    public Topology markBootstrapped() {
        return new Topology(primary, true);
    }
}
