package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.resources.Names;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Who the primary is, and whether the cluster was ever bootstrapped: the one record every decision
 * about the primary rests on. It lives in the topology ConfigMap, which pods read at start
 * (PG_PRIMARY_NAME, PG_BOOTSTRAPPED) and which the operator changes only by compare-and-set, so two
 * promotions can never both succeed.
 *
 * @param primary      the pod that is (or is being made) the primary
 * @param bootstrapped true once that primary was seen answering as a primary: from then on no pod runs
 *                     initdb, and a lost primary volume means a promotion, never a new empty primary
 * @param reclones     per pod, how many times the operator asked it to discard its data and clone the
 *                     primary afresh (start.sh compares it with the last request it carried out)
 * @param system       the cluster's system identifier, as its first primary reported it (null until
 *                     known): a replica of another system is re-cloned only from a primary of this one
 */
public record Topology(String primary, boolean bootstrapped, Map<String, Integer> reclones, String system) {

    public static final String PRIMARY = "primary";
    public static final String BOOTSTRAPPED = "bootstrapped";
    /** "pod=n pod=n": read by start.sh as PG_RECLONE. */
    public static final String RECLONE = "reclone";
    public static final String SYSTEM = "system";

    public Topology {
        reclones = Map.copyOf(reclones);
    }

    /** A cluster never started: pod 0 is to be initialised as the primary. */
    public static Topology initial(CachedApi api) {
        return new Topology(Names.pgPod(api, 0), false, Map.of(), null);
    }

    /** The topology a ConfigMap's data holds; a missing primary means the initial one. */
    public static Topology from(CachedApi api, Map<String, String> data) {
        Map<String, String> values = data == null ? Map.of() : data;
        String primary = values.get(PRIMARY);
        var reclones = new TreeMap<String, Integer>();
        for (String item : values.getOrDefault(RECLONE, "").trim().split("\\s+")) {
            int equals = item.indexOf('=');
            if (equals > 0) {
                reclones.put(item.substring(0, equals), Integer.parseInt(item.substring(equals + 1)));
            }
        }
        return new Topology(primary == null || primary.isBlank() ? Names.pgPod(api, 0) : primary,
                Boolean.parseBoolean(values.get(BOOTSTRAPPED)), reclones, values.get(SYSTEM));
    }

    public Map<String, String> data() {
        var data = new LinkedHashMap<String, String>();
        data.put(PRIMARY, primary);
        data.put(BOOTSTRAPPED, Boolean.toString(bootstrapped));
        if (system != null) {
            data.put(SYSTEM, system);
        }
        if (!reclones.isEmpty()) {
            data.put(RECLONE, new TreeMap<>(reclones).entrySet().stream()
                    .map(entry -> entry.getKey() + "=" + entry.getValue()).collect(Collectors.joining(" ")));
        }
        return data;
    }

    public Topology withPrimary(String newPrimary) {
        return new Topology(newPrimary, bootstrapped, reclones, system);
    }

    public Topology markBootstrapped() {
        return new Topology(primary, true, reclones, system);
    }

    /** The same topology, asking {@code pod} for one more fresh clone. */
    public Topology withReclone(String pod) {
        var next = new TreeMap<>(reclones);
        next.merge(pod, 1, Integer::sum);
        return new Topology(primary, bootstrapped, next, system);
    }

    /** The same topology, knowing the cluster's system identifier. */
    public Topology withSystem(String systemIdentifier) {
        return new Topology(primary, bootstrapped, reclones, systemIdentifier);
    }
}
