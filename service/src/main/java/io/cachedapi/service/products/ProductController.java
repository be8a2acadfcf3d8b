package io.cachedapi.service.products;

import io.cachedapi.service.web.Envelopes;
import io.cachedapi.service.web.JsonBody;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import java.net.URI;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/products")
public class ProductController {

    private final ProductService products;
    private final Envelopes envelopes;

    public ProductController(ProductService products, Envelopes envelopes) {
        this.products = products;
        this.envelopes = envelopes;
    }

    @GetMapping("/{id}")
    public ResponseEntity<JsonBody> get(@PathVariable @Min(1) long id,
                                      @RequestHeader(name = HttpHeaders.CACHE_CONTROL, required = false) String cacheControl) {
        return envelopes.read(products.find(id, Envelopes.noCache(cacheControl)));
    }

    @PostMapping
    public ResponseEntity<byte[]> create(@Valid @RequestBody ProductRequest product) {
        Product created = products.create(product);
        return envelopes.created(URI.create("/products/" + created.id()), created);
    }

    @PutMapping("/{id}")
    public ResponseEntity<byte[]> update(@PathVariable @Min(1) long id, @Valid @RequestBody ProductRequest product) {
        return envelopes.ok(products.update(id, product));
    }

    @DeleteMapping("/{id}")
    public ResponseEntity<byte[]> delete(@PathVariable @Min(1) long id) {
        return envelopes.ok(products.delete(id));
    }
}
