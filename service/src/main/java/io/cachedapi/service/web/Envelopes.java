package io.cachedapi.service.web;

import io.cachedapi.service.cache.CachedReads;
import io.cachedapi.service.config.CachedApiProperties;
import io.cachedapi.service.data.ReadRouter.Source;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
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

    private final JsonMapper json;
    private final String instance;

    public Envelopes(JsonMapper json, CachedApiProperties properties) {
        this.json = json;
        this.instance = json.writeValueAsString(properties.instance());
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

    /** A read; the caller has checked that it found something. */
    public ResponseEntity<byte[]> read(CachedReads.Read read) {
        String body = "{\"success\":true," + read.fragment().orElseThrow()
                + ",\"cached\":" + (read.source() == Source.CACHE)
                + ",\"source\":\"" + read.source().label() + "\",\"instance\":" + instance + "}";
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_JSON)
                .header(X_CACHE, read.status().name())
                .body(body.getBytes(StandardCharsets.UTF_8));
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
