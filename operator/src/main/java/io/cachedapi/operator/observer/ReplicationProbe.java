package io.cachedapi.operator.observer;

import java.util.List;

/**
 * Asks PostgreSQL itself whether replication works: the primary must not be in recovery, every
 * replica must be in recovery and streaming from that primary. Behind an interface so the reconciler
 * can be tested without databases; {@link JdbcReplicationProbe} is the real one.
 */
public interface ReplicationProbe {

    ReplicationReport probe(PostgresEndpoint primary, List<PostgresEndpoint> replicas);
}
