package io.cachedapi.service.products;

import io.cachedapi.service.cache.CacheKey;
import io.cachedapi.service.cache.CacheStore;
import io.cachedapi.service.cache.CachedReads;
import io.cachedapi.service.data.Writes;
import io.cachedapi.service.web.Envelopes;
import io.cachedapi.service.web.Problems;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;

/** Products: items read through the cache, writes on the primary followed by invalidation. */
@Service
public class ProductService {

    private final ProductRepository products;
    private final CachedReads reads;
    private final Writes writes;
    private final CacheStore cache;
    private final Envelopes envelopes;

    public ProductService(ProductRepository products, CachedReads reads, Writes writes, CacheStore cache,
                          Envelopes envelopes) {
        this.products = products;
        this.reads = reads;
        this.writes = writes;
        this.cache = cache;
        this.envelopes = envelopes;
    }

    public CachedReads.Read find(long id, boolean skipCache) {
        CachedReads.Read read = reads.read(CacheKey.product(id), skipCache, db -> products.find(db, id).map(envelopes::item));
        if (read.fragment().isEmpty()) {
            throw Problems.notFound("product", id);
        }
        return read;
    }

    /** Nothing cached can hold a new product, but the write fence still moves: readers elsewhere must see it. */
    public Product create(ProductRequest product) {
        Writes.Committed<Product> created = writes.commit(db -> products.insert(db, product));
        cache.invalidate(created.position(), List.of());
        return created.value();
    }

    public Product update(long id, ProductRequest product) {
        return changed(id, writes.commit(db -> products.update(db, id, product)));
    }

    public Product delete(long id) {
        return changed(id, writes.commit(db -> products.delete(db, id)));
    }

    private Product changed(long id, Writes.Committed<Optional<Product>> committed) {
        if (committed.value().isEmpty()) {
            throw Problems.notFound("product", id);
        }
        cache.invalidate(committed.position(), List.of(CacheKey.productGroup(id)));
        return committed.value().get();
    }
}
