package io.cachedapi.operator.lifecycle;

import io.cachedapi.operator.observer.PostgresEndpoint;
import io.cachedapi.operator.parameters.ParameterCatalogue;
import io.cachedapi.operator.parameters.ParameterState;
import io.cachedapi.operator.parameters.Setting;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** {@link PostgresAdmin} over JDBC, on the instance's maintenance database. */
public final class JdbcPostgresAdmin implements PostgresAdmin {

    /** Any one replica, whatever its name: the first of them to confirm a commit acknowledges it. */
    static final String SYNCHRONOUS_STANDBY_NAMES = "ANY 1 (*)";

    /** The setting a replica's connection names its primary with; only its change matters (see reconnectReceiver). */
    private static final String FOLLOWS_SETTING = "cachedapi.follows";
    private static final Pattern FOLLOWS = Pattern.compile(" options='-c " + Pattern.quote(FOLLOWS_SETTING) + "=[^']*'$");

    private final String user;
    private final String password;
    private final Duration promotionTimeout;

    public JdbcPostgresAdmin(String user, String password, Duration promotionTimeout) {
        this.user = user;
        this.password = password;
        this.promotionTimeout = promotionTimeout;
    }

    @Override
    public void promote(PostgresEndpoint instance) throws PostgresAdminException {
        try (Connection connection = connect(instance, promotionTimeout.plusSeconds(5))) {
            if (!inRecovery(connection)) {
                return;
            }
            // pg_promote(wait => true) returns once the instance accepts writes, or false after the timeout
            try (PreparedStatement promote = connection.prepareStatement("select pg_promote(true, ?)")) {
                promote.setInt(1, (int) Math.max(1, promotionTimeout.toSeconds()));
                try (ResultSet result = promote.executeQuery()) {
                    result.next();
                    if (!result.getBoolean(1) || inRecovery(connection)) {
                        throw new PostgresAdminException(instance + " did not leave recovery within "
                                + promotionTimeout.toSeconds() + "s of pg_promote()", null);
                    }
                }
            }
            // the new timeline reaches the control file at the next checkpoint: pg_rewind of the old
            // primary reads it there, and would otherwise find nothing to rewind
            try (var statement = connection.createStatement()) {
                statement.execute("checkpoint");
            }
        } catch (SQLException e) {
            throw new PostgresAdminException("cannot promote " + instance + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void reconcileSlots(PostgresEndpoint primary, Set<String> keep, String ownPrefix, boolean renewLost)
            throws PostgresAdminException {
        try (Connection connection = connect(primary, Duration.ofSeconds(5))) {
            var existing = new HashSet<String>();
            try (var statement = connection.createStatement();
                 ResultSet slots = statement.executeQuery("""
                         select slot_name, active, coalesce(wal_status, '') = 'lost' as lost
                         from pg_replication_slots where slot_type = 'physical'""")) {
                while (slots.next()) {
                    String name = slots.getString(1);
                    boolean active = slots.getBoolean(2);
                    boolean stale = renewLost && keep.contains(name) && !active && slots.getBoolean(3);
                    if (!stale) {
                        existing.add(name);
                    }
                    if (name.startsWith(ownPrefix) && (stale || !keep.contains(name)) && !active) {
                        try (PreparedStatement drop = connection.prepareStatement(
                                "select pg_drop_replication_slot(?)")) {
                            drop.setString(1, name);
                            drop.execute();
                        }
                    }
                }
            }
            for (String name : keep) {
                if (!existing.contains(name)) {
                    // reserve WAL at once, so nothing the replica still needs is recycled before it connects
                    try (PreparedStatement create = connection.prepareStatement(
                            "select pg_create_physical_replication_slot(?, true)")) {
                        create.setString(1, name);
                        create.execute();
                    }
                }
            }
        } catch (SQLException e) {
            throw new PostgresAdminException("cannot reconcile the replication slots on " + primary + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void setSynchronous(PostgresEndpoint primary, boolean synchronous) throws PostgresAdminException {
        String wanted = synchronous ? SYNCHRONOUS_STANDBY_NAMES : "";
        try (Connection connection = connect(primary, Duration.ofSeconds(5));
             var statement = connection.createStatement()) {
            String current;
            try (ResultSet row = statement.executeQuery("show synchronous_standby_names")) {
                row.next();
                current = row.getString(1);
            }
            if (wanted.equals(current)) {
                return;
            }
            // in postgresql.auto.conf: base backups carry it to the replicas, so a promoted one keeps it
            statement.execute(synchronous
                    ? "alter system set synchronous_standby_names = '" + SYNCHRONOUS_STANDBY_NAMES + "'"
                    : "alter system reset synchronous_standby_names");
            statement.execute("select pg_reload_conf()");
        } catch (SQLException e) {
            throw new PostgresAdminException("cannot set synchronous replication on " + primary + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void endClientSessions(PostgresEndpoint primary) throws PostgresAdminException {
        try (Connection connection = connect(primary, Duration.ofSeconds(10));
             var statement = connection.createStatement()) {
            statement.execute("""
                    select pg_terminate_backend(pid, 5000) from pg_stat_activity
                    where backend_type = 'client backend' and pid <> pg_backend_pid()""");
        } catch (SQLException e) {
            throw new PostgresAdminException("cannot end the client sessions on " + primary + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean receiverStreaming(PostgresEndpoint replica) throws PostgresAdminException {
        return yesOrNo(replica, "select count(*) > 0 from pg_stat_wal_receiver where status = 'streaming'",
                "read the WAL receiver of");
    }

    @Override
    public boolean replayedAllReceived(PostgresEndpoint replica) throws PostgresAdminException {
        return yesOrNo(replica, "select pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()",
                "compare what was received and replayed on");
    }

    @Override
    public void reconnectReceiver(PostgresEndpoint replica, String primary) throws PostgresAdminException {
        try (Connection connection = connect(replica, Duration.ofSeconds(5));
             var statement = connection.createStatement()) {
            String current;
            try (ResultSet row = statement.executeQuery("select current_setting('primary_conninfo')")) {
                row.next();
                current = row.getString(1);
            }
            String wanted = FOLLOWS.matcher(current).replaceFirst("") + " options='-c " + FOLLOWS_SETTING + "="
                    + primary + "'";
            if (!wanted.equals(current)) {
                statement.execute("alter system set primary_conninfo = " + statement.enquoteLiteral(wanted));
                statement.execute("select pg_reload_conf()");
            }
        } catch (SQLException e) {
            throw new PostgresAdminException("cannot make " + replica + " reconnect to its primary: "
                    + e.getMessage(), e);
        }
    }

    /** The answer of a query returning one boolean; {@code what} completes "cannot ... instance". */
    private boolean yesOrNo(PostgresEndpoint instance, String query, String what) throws PostgresAdminException {
        try (Connection connection = connect(instance, Duration.ofSeconds(5));
             var statement = connection.createStatement();
             ResultSet row = statement.executeQuery(query)) {
            row.next();
            return row.getBoolean(1);
        } catch (SQLException e) {
            throw new PostgresAdminException("cannot " + what + " " + instance + ": " + e.getMessage(), e);
        }
    }


    @Override
    public ParameterCatalogue catalogue(PostgresEndpoint instance) throws PostgresAdminException {
        try (Connection connection = connect(instance, Duration.ofSeconds(5));
             var statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "select name, vartype, unit, min_val, max_val, enumvals, context from pg_settings")) {
            var settings = new HashMap<String, Setting>();
            while (rows.next()) {
                Array enumVals = rows.getArray(6);
                settings.put(rows.getString(1), new Setting(rows.getString(1), rows.getString(2), rows.getString(3),
                        number(rows.getString(4)), number(rows.getString(5)),
                        enumVals == null ? List.of() : List.of((String[]) enumVals.getArray()), rows.getString(7)));
            }
            return new ParameterCatalogue(Map.copyOf(settings));
        } catch (SQLException e) {
            throw new PostgresAdminException("cannot read the parameters of " + instance + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ParameterState parameters(PostgresEndpoint instance, String fileName) throws PostgresAdminException {
        try (Connection connection = connect(instance, Duration.ofSeconds(5))) {
            var inFile = new HashMap<String, String>();
            var errors = new ArrayList<String>();
            // pg_file_settings parses the files anew at each query: what a reload would read
            try (PreparedStatement query = connection.prepareStatement(
                    "select name, setting, error from pg_file_settings where sourcefile like ? order by seqno")) {
                query.setString(1, "%/" + fileName);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        inFile.put(rows.getString(1), rows.getString(2));
                        if (rows.getString(3) != null) {
                            errors.add(rows.getString(1) + ": " + rows.getString(3));
                        }
                    }
                }
            }
            var pending = new ArrayList<String>();
            try (var statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("select name from pg_settings where pending_restart order by name")) {
                while (rows.next()) {
                    pending.add(rows.getString(1));
                }
            }
            return new ParameterState(Map.copyOf(inFile), List.copyOf(errors), List.copyOf(pending));
        } catch (SQLException e) {
            throw new PostgresAdminException("cannot read the parameters of " + instance + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void reload(PostgresEndpoint instance) throws PostgresAdminException {
        try (Connection connection = connect(instance, Duration.ofSeconds(5));
             var statement = connection.createStatement()) {
            statement.execute("select pg_reload_conf()");
        } catch (SQLException e) {
            throw new PostgresAdminException("cannot reload the configuration of " + instance + ": " + e.getMessage(), e);
        }
    }

    private static Double number(String value) {
        return value == null ? null : Double.valueOf(value);
    }

    private Connection connect(PostgresEndpoint endpoint, Duration statements) throws SQLException {
        return endpoint.connect(user, password, Duration.ofSeconds(3), statements, "cachedapi-operator");
    }

    private static boolean inRecovery(Connection connection) throws SQLException {
        try (var statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select pg_is_in_recovery()")) {
            row.next();
            return row.getBoolean(1);
        }
    }
}
