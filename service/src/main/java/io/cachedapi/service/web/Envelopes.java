package io.cachedapi.service.web;

import io.cachedapi.service.cache.CachedReads;
import io.cachedapi.service.config.CachedApiProperties;
import io.cachedapi.service.data.ReadRouter.Source;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Success bodies in the seeds' shape: {@code {"success":true,["count":n,]"data":...,"cached":..,
 * "source":..,"instance":..}}. What is cached is the serialized {@code data} fragment, so a cache hit
 * is answered without parsing or re-serializing anything.
 */
@Component
public class Envelopes {

    public static final String X_CACHE = "X-Cache";

    private static final byte[] READ_HEAD = "{\"success\":true,".getBytes(StandardCharsets.UTF_8);

    private final JsonMapper json;
    private final String instance;
    /** What follows a read's fragment, by where it was answered. */
    private final Map<Source, byte[]> readTails = new EnumMap<>(Source.class);

    public Envelopes(JsonMapper json, CachedApiProperties properties) {
        this.json = json;
        this.instance = json.writeValueAsString(properties.instance());
        for (Source source : Source.values()) {
            readTails.put(source, (",\"cached\":" + (source == Source.CACHE) + ",\"source\":\"" + source.label()
                    + "\",\"instance\":" + instance + "}").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Whether the client asked to skip the cache ({@code Cache-Control: no-cache}, as HTTP caches honour it). */
    public static boolean noCache(String cacheControl) {
        return cacheControl != null && cacheControl.toLowerCase(java.util.Locale.ROOT).contains("no-cache");
    }

    /** {@code GET /ping}: the cheapest answer the service gives, the ceiling of the benchmarks. */
    public ResponseEntity<byte[]> ping() {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                .body(("{\"success\":true,\"instance\":" + instance + "}").getBytes(StandardCharsets.UTF_8));
    }

    /** The cacheable fragment of one item. */
    public String item(Object data) {
        return "\"data\":" + json.writeValueAsString(data);
    }

    /** The cacheable fragment of a list. */
    public String list(List<?> data) {
        return "\"count\":" + data.size() + ",\"data\":" + json.writeValueAsString(data);
    }

    /** A read; the caller has checked that it found something. The fragment is written as it is. */
    public ResponseEntity<JsonBody> read(CachedReads.Read read) {
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_JSON)
                .header(X_CACHE, read.status().name())
                .body(new JsonBody(READ_HEAD, read.fragment().orElseThrow(), readTails.get(read.source())));
    }

    /** A write's result: 201 with the new item's location. */
    public ResponseEntity<byte[]> created(URI location, Object data) {
        return ResponseEntity.created(location).contentType(MediaType.APPLICATION_JSON).body(written(data));
    }

    /** A write's result: 200. */
    public ResponseEntity<byte[]> ok(Object data) {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(written(data));
    }

    /** Writes are answered by the primary and never cached. */
    private byte[] written(Object data) {
        return ("{\"success\":true," + item(data) + ",\"cached\":false,\"source\":\"primary\",\"instance\":"
                + instance + "}").getBytes(StandardCharsets.UTF_8);
    }
}
