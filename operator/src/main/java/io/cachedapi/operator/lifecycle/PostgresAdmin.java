package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.parameters.ParameterCatalogue;
import io.cachedapi.operator.parameters.ParameterState;

import io.cachedapi.operator.observer.PostgresEndpoint;
import java.util.Set;

/**
 * What the lifecycle asks of PostgreSQL itself: promotions and replication slots. Each operation is
 * idempotent, so a step repeated after an interruption does no harm. Behind an interface so the
 * reconciler can run on a mock API server; {@link JdbcPostgresAdmin} is tested on real PostgreSQL.
 */
public interface PostgresAdmin {

    /** Makes the instance leave recovery (pg_promote) and waits until it has; nothing when it is a primary already. */
    void promote(PostgresEndpoint instance) throws PostgresAdminException;

    /**
     * Makes sure the primary holds a physical slot for each name in {@code keep}, and drops the inactive
     * slots whose names start with {@code ownPrefix} but are not kept (replicas scaled away). Slots of
     * other owners are left alone. With {@code renewLost}, a kept slot that is inactive and lost its WAL
     * is made afresh: right after a promotion, such a slot is a leftover of the instance's past (a time
     * it was a primary before), not a sign its replica fell behind, which a re-clone would answer.
     */
    void reconcileSlots(PostgresEndpoint primary, Set<String> keep, String ownPrefix, boolean renewLost)
            throws PostgresAdminException;

    /**
     * Makes commits on the primary wait for ANY 1 replica ({@code synchronous_standby_names}), or not;
     * a reload, no restart. Nothing when it is so already.
     */
    void setSynchronous(PostgresEndpoint primary, boolean synchronous) throws PostgresAdminException;

    /**
     * Ends every client session on the instance (not replication, not this one), so that a shutdown
     * asked for next does not wait for them.
     */
    void endClientSessions(PostgresEndpoint primary) throws PostgresAdminException;

    /**
     * Whether a replica's WAL receiver still streams: once its primary shut down, the receiver stops only
     * after the primary's WAL senders have sent everything, the shutdown checkpoint included.
     */
    boolean receiverStreaming(PostgresEndpoint replica) throws PostgresAdminException;

    /** Whether a replica has replayed every byte of WAL it received. */
    boolean replayedAllReceived(PostgresEndpoint replica) throws PostgresAdminException;

    /**
     * Makes a replica's WAL receiver connect afresh, to wherever {@code -rw} leads now. A receiver that
     * was connecting to a hung primary waits on that connection with no time limit (it ignores
     * {@code connect_timeout}), and a synchronous primary's commits wait for a receiver. PostgreSQL
     * restarts the receiver when {@code primary_conninfo} changes on a reload: the change names the
     * primary to follow in a connection option. {@code start.sh} drops it on the next start.
     */
    void reconnectReceiver(PostgresEndpoint replica, String primary) throws PostgresAdminException;

    /** The server's parameters as it describes them ({@code pg_settings}), to check the spec's against. */
    ParameterCatalogue catalogue(PostgresEndpoint instance) throws PostgresAdminException;

    /** The parameters of the file named {@code fileName} as the server reads it now, and what waits for a restart. */
    ParameterState parameters(PostgresEndpoint instance, String fileName) throws PostgresAdminException;

    /** Makes the server read its configuration files again ({@code pg_reload_conf()}). */
    void reload(PostgresEndpoint instance) throws PostgresAdminException;

    /** Opens an admin connection with a CachedApi's credentials. */
    @FunctionalInterface
    interface Factory {
        PostgresAdmin connectingAs(String user, String password);
    }

    final class PostgresAdminException extends Exception {
        public PostgresAdminException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
