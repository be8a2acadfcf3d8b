package io.cachedapi.service.products;

import java.time.OffsetDateTime;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** SQL for products; the caller picks the server (replica or primary) by the client it passes. */
@Repository
public class ProductRepository {

    private static final String COLUMNS = "id, name, description, price, stock, created_at, updated_at";
    private static final RowMapper<Product> ROW = (rs, n) -> new Product(rs.getLong("id"), rs.getString("name"),
            rs.getString("description"), rs.getBigDecimal("price"), rs.getInt("stock"),
            rs.getObject("created_at", OffsetDateTime.class), rs.getObject("updated_at", OffsetDateTime.class));

    public Optional<Product> find(JdbcClient db, long id) {
        return db.sql("select " + COLUMNS + " from products where id = ?").param(id).query(ROW).optional();
    }

    public Product insert(JdbcClient db, ProductRequest product) {
        return db.sql("insert into products (name, description, price, stock) values (?, ?, ?, ?) returning " + COLUMNS)
                .params(product.name().strip(), product.descriptionOrEmpty(), product.price(), product.stock())
                .query(ROW).single();
    }

    public Optional<Product> update(JdbcClient db, long id, ProductRequest product) {
        return db.sql("update products set name = ?, description = ?, price = ?, stock = ?, updated_at = now()"
                        + " where id = ? returning " + COLUMNS)
                .params(product.name().strip(), product.descriptionOrEmpty(), product.price(), product.stock(), id)
                .query(ROW).optional();
    }

    public Optional<Product> delete(JdbcClient db, long id) {
        return db.sql("delete from products where id = ? returning " + COLUMNS).param(id).query(ROW).optional();
    }
}
