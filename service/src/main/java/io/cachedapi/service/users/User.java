package io.cachedapi.service.users;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;

/** A user as the API shows it (the seed's fields). */
public record User(long id, String name, String email, @JsonProperty("created_at") OffsetDateTime createdAt) {
}
