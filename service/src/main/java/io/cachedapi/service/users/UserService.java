package io.cachedapi.service.users;

import io.cachedapi.service.cache.CacheKey;
import io.cachedapi.service.cache.CacheStore;
import io.cachedapi.service.cache.CachedReads;
import io.cachedapi.service.data.Writes;
import io.cachedapi.service.web.Envelopes;
import io.cachedapi.service.web.Problems;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;

/** Users: pages and items read through the cache, writes on the primary followed by invalidation. */
@Service
public class UserService {

    private final UserRepository users;
    private final CachedReads reads;
    private final Writes writes;
    private final CacheStore cache;
    private final Envelopes envelopes;

    public UserService(UserRepository users, CachedReads reads, Writes writes, CacheStore cache, Envelopes envelopes) {
        this.users = users;
        this.reads = reads;
        this.writes = writes;
        this.cache = cache;
        this.envelopes = envelopes;
    }

    public CachedReads.Read page(int limit, long offset, boolean skipCache) {
        return reads.read(CacheKey.usersPage(limit, offset), skipCache,
                db -> Optional.of(envelopes.list(users.page(db, limit, offset))));
    }

    public CachedReads.Read find(long id, boolean skipCache) {
        CachedReads.Read read = reads.read(CacheKey.user(id), skipCache, db -> users.find(db, id).map(envelopes::item));
        if (read.fragment().isEmpty()) {
            throw Problems.notFound("user", id);
        }
        return read;
    }

    public User create(NewUser user) {
        Writes.Committed<User> created;
        try {
            created = writes.commit(db -> users.insert(db, user));
        } catch (DuplicateKeyException e) {
            throw Problems.conflict("a user with the email " + user.email().strip() + " already exists");
        }
        cache.invalidate(created.position(), List.of(CacheKey.USERS_PAGES));
        return created.value();
    }

    public User delete(long id) {
        Writes.Committed<Optional<User>> deleted = writes.commit(db -> users.delete(db, id));
        if (deleted.value().isEmpty()) {
            throw Problems.notFound("user", id);
        }
        cache.invalidate(deleted.position(), List.of(CacheKey.USERS_PAGES, CacheKey.userGroup(id)));
        return deleted.value().get();
    }
}
