package io.cachedapi.service.web;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A trivial endpoint: what the framework alone costs on this machine (the benchmarks' ceiling). */
@RestController
public class PingController {

    private final Envelopes envelopes;

    public PingController(Envelopes envelopes) {
        this.envelopes = envelopes;
    }

    @GetMapping("/ping")
    public ResponseEntity<byte[]> ping() {
        return envelopes.ping();
    }
}
