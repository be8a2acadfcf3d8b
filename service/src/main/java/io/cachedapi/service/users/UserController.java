package io.cachedapi.service.users;

import io.cachedapi.service.web.Envelopes;
import io.cachedapi.service.web.JsonBody;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/users")
public class UserController {

    static final int MAX_LIMIT = 1000;
    static final long MAX_OFFSET = 1_000_000_000L;

    private final UserService users;
    private final Envelopes envelopes;

    public UserController(UserService users, Envelopes envelopes) {
        this.users = users;
        this.envelopes = envelopes;
    }

    /** A page of users by id; every page is cached under its own key. */
    @GetMapping
    public ResponseEntity<JsonBody> list(@RequestParam(defaultValue = "100") @Min(1) @Max(MAX_LIMIT) int limit,
                                       @RequestParam(defaultValue = "0") @Min(0) @Max(MAX_OFFSET) long offset,
                                       @RequestHeader(name = HttpHeaders.CACHE_CONTROL, required = false) String cacheControl) {
        return envelopes.read(users.page(limit, offset, Envelopes.noCache(cacheControl)));
    }

    @GetMapping("/{id}")
    public ResponseEntity<JsonBody> get(@PathVariable @Min(1) long id,
                                      @RequestHeader(name = HttpHeaders.CACHE_CONTROL, required = false) String cacheControl) {
        return envelopes.read(users.find(id, Envelopes.noCache(cacheControl)));
    }

    @PostMapping
    public ResponseEntity<byte[]> create(@Valid @RequestBody NewUser user) {
        User created = users.create(user);
        return envelopes.created(URI.create("/users/" + created.id()), created);
    }

    @DeleteMapping("/{id}")
    public ResponseEntity<byte[]> delete(@PathVariable @Min(1) long id) {
        return envelopes.ok(users.delete(id));
    }
}
