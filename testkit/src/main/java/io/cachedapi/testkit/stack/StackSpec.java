package io.cachedapi.testkit.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the local stack runs, taken from the operator's rendering of a CachedApi
 * ({@code render -f sample.yaml}): the same bootstrap scripts and postgresql.conf additions (the pg
 * ConfigMap), instance counts, Redis settings and API wiring as the cluster gets, so local and
 * cluster cannot drift.
 *
 * @param pgConfigFiles the pg ConfigMap's files (start.sh and the scripts it runs, extra.conf)
 */
public record StackSpec(String name, int apiReplicas, int postgresReplicas, String database,
                        String redisMaxMemory, String redisMaxMemoryPolicy, boolean redisAppendOnly,
                        String cacheTtl, String cacheTimeout, Map<String, String> pgConfigFiles) {

    /** The file of postgresql.conf additions in the pg ConfigMap. */
    public static final String EXTRA_CONF = "extra.conf";
    private static final int MAX_LOCAL_INSTANCES = 6;

    public StackSpec {
        pgConfigFiles = Map.copyOf(pgConfigFiles);
        if (!pgConfigFiles.containsKey("start.sh")) {
            throw new IllegalArgumentException("the rendering's pg ConfigMap has no start.sh");
        }
        if (apiReplicas > MAX_LOCAL_INSTANCES || postgresReplicas + 1 > MAX_LOCAL_INSTANCES) {
            throw new IllegalArgumentException("the local stack runs at most " + MAX_LOCAL_INSTANCES
                    + " instances of a kind on this machine; lower spec.api.replicas or spec.postgres.replicas");
        }
    }

    /** Reads a rendering (multi-document YAML, as {@code render} prints it). */
    public static StackSpec fromRendering(Path rendering) {
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = new YAMLMapper().readerFor(JsonNode.class).readValues(rendering.toFile())) {
            while (documents.hasNext()) {
                JsonNode object = documents.next();
                if (object != null && object.has("kind")) {
                    objects.add(object);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the rendering " + rendering + ": " + e.getMessage(), e);
        }
        JsonNode pgConfig = find(objects, "ConfigMap", "-pg-config", rendering);
        String pgConfigName = pgConfig.path("metadata").path("name").asText();
        String name = pgConfigName.substring(0, pgConfigName.length() - "-pg-config".length());
        JsonNode pg = find(objects, "StatefulSet", name + "-pg", rendering);
        JsonNode redis = find(objects, "StatefulSet", name + "-redis", rendering);
        JsonNode api = find(objects, "Deployment", name + "-api", rendering);

        var files = new LinkedHashMap<String, String>();
        pgConfig.path("data").properties().forEach(file -> files.put(file.getKey(), file.getValue().asText()));
        String redisCommand = String.join(" ", texts(firstContainer(redis).path("command")));
        Map<String, String> apiEnv = env(firstContainer(api));
        return new StackSpec(name,
                api.path("spec").path("replicas").asInt(),
                pg.path("spec").path("replicas").asInt() - 1,
                env(firstContainer(pg)).getOrDefault("PG_DATABASE", "app"),
                option(redisCommand, "maxmemory").orElse("256mb"),
                option(redisCommand, "maxmemory-policy").orElse("allkeys-lru"),
                option(redisCommand, "appendonly").map("yes"::equals).orElse(true),
                apiEnv.getOrDefault("CACHEDAPI_CACHE_TTL", "60s"),
                apiEnv.getOrDefault("CACHEDAPI_CACHE_TIMEOUT", "50ms"),
                files);
    }

    /** Postgres instances are named like the StatefulSet's pods: {@code <name>-pg-0} is the primary. */
    public String postgresName() {
        return name + "-pg";
    }

    /** API instances are named like the Deployment's pods would be, with an ordinal: {@code <name>-api-0}. */
    public String apiName() {
        return name + "-api";
    }

    private static JsonNode find(List<JsonNode> objects, String kind, String nameSuffix, Path rendering) {
        return objects.stream()
                .filter(object -> kind.equals(object.path("kind").asText())
                        && object.path("metadata").path("name").asText().endsWith(nameSuffix))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(rendering + " has no " + kind + " named *" + nameSuffix
                        + "; is it the output of the operator's render?"));
    }

    private static JsonNode firstContainer(JsonNode workload) {
        return workload.path("spec").path("template").path("spec").path("containers").path(0);
    }

    private static Map<String, String> env(JsonNode container) {
        var env = new LinkedHashMap<String, String>();
        container.path("env").forEach(variable -> {
            if (variable.has("value")) {
                env.put(variable.path("name").asText(), variable.path("value").asText());
            }
        });
        return env;
    }

    private static List<String> texts(JsonNode array) {
        var texts = new ArrayList<String>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }

    private static Optional<String> option(String command, String name) {
        Matcher matcher = Pattern.compile("--" + Pattern.quote(name) + " (\\S+)").matcher(command);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }
}
