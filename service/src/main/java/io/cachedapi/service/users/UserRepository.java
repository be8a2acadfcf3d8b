package io.cachedapi.service.users;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** SQL for users; the caller picks the server (replica or primary) by the client it passes. */
@Repository
public class UserRepository {

    private static final RowMapper<User> ROW = (rs, n) -> new User(rs.getLong("id"), rs.getString("name"),
            rs.getString("email"), rs.getObject("created_at", OffsetDateTime.class));

    public List<User> page(JdbcClient db, int limit, long offset) {
        return db.sql("select id, name, email, created_at from users order by id limit ? offset ?")
                .params(limit, offset).query(ROW).list();
    }

    public Optional<User> find(JdbcClient db, long id) {
        return db.sql("select id, name, email, created_at from users where id = ?").param(id).query(ROW).optional();
    }

    public User insert(JdbcClient db, NewUser user) {
        return db.sql("insert into users (name, email) values (?, ?) returning id, name, email, created_at")
                .params(user.name().strip(), user.email().strip()).query(ROW).single();
    }

    public Optional<User> delete(JdbcClient db, long id) {
        return db.sql("delete from users where id = ? returning id, name, email, created_at").param(id).query(ROW)
                .optional();
    }
}
