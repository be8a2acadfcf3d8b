package io.cachedapi.service.products;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.OffsetDateTime;

/** A product as the API shows it (the seed's fields). */
public record Product(long id, String name, String description, BigDecimal price, int stock,
                      @JsonProperty("created_at") OffsetDateTime createdAt,
                      @JsonProperty("updated_at") OffsetDateTime updatedAt) {
}
