package io.cachedapi.e2e;

import java.util.Map;
import java.util.TreeMap;

/** values.yaml lines for --set style keys ({@code a.b}, {@code list[0]}), enough for the chart's toggles. */
final class Yaml {

    private Yaml() {
    }

    static String of(Map<String, Object> values) {
        var tree = new TreeMap<String, Object>();
        values.forEach((key, value) -> put(tree, key, value));
        return io.fabric8.kubernetes.client.utils.Serialization.asYaml(tree).replaceFirst("^---\n", "");
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> tree, String key, Object value) {
        int dot = key.indexOf('.');
        if (dot >= 0) {
            var child = (Map<String, Object>) tree.computeIfAbsent(key.substring(0, dot), k -> new TreeMap<>());
            put(child, key.substring(dot + 1), value);
        } else if (key.endsWith("]")) {
            String name = key.substring(0, key.indexOf('['));
            var list = (java.util.List<Object>) tree.computeIfAbsent(name, k -> new java.util.ArrayList<>());
            list.add(value);
        } else {
            tree.put(key, value);
        }
    }
}
