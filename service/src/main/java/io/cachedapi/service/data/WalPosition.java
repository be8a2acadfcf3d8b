package io.cachedapi.service.data;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A place in PostgreSQL's WAL: a timeline and a byte position (LSN) on it. A write fence is one: the
 * position after a write, which a replica must have replayed to have the write.
 * <p>
 * Positions of different timelines do not compare. A promoted replica starts a new timeline where its
 * WAL ended; what the old primary wrote past that point (acknowledged, never replicated) is in no later
 * timeline, so the new primary's positions may be below an old fence for a long time. Hence two rules:
 * a fence is reached only on its own timeline, and a fence on a newer timeline replaces one of an older
 * timeline even at a lower LSN (the writes lost with the old timeline are not coming back).
 *
 * @param timeline the timeline; 0 when unknown (a server that cannot be shown to follow any)
 * @param lsn      the byte position, {@code pg_wal_lsn_diff(lsn, '0/0')}
 */
public record WalPosition(int timeline, long lsn) {

    /** No write to wait for: any replica will do. */
    public static final WalPosition NONE = new WalPosition(0, 0);

    /** Writes may be unknown here: only the primary is known to be up to date. */
    public static final WalPosition LATEST = new WalPosition(Integer.MAX_VALUE, Long.MAX_VALUE);

    /**
     * Where the primary is: its timeline (the first 8 hex digits of its current WAL file name: the
     * timeline it writes on now, unlike {@code pg_control_checkpoint()}, which lags until the next
     * checkpoint) and its current position. A server in recovery (a replica behind the write URL) answers
     * {@link #NONE} rather than an error, so that asking never fails the transaction it runs in.
     */
    private static final String OF_PRIMARY = """
            select case when pg_is_in_recovery() then 0
                        else ('x' || left(pg_walfile_name(pg_current_wal_lsn()), 8))::bit(32)::int end,
                   case when pg_is_in_recovery() then 0
                        else pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint end
            """;

    /**
     * What a server behind the read URL has replayed (a primary there: its current position), and the
     * newest timeline it can be shown to have replayed: the newest one marked in its {@code wal_timelines}
     * rows (see {@link Writes}). PostgreSQL shows a replica's timeline ({@code pg_stat_wal_receiver}) only
     * to roles with pg_read_all_stats, which the application role lacks; a mark is a row written on its
     * timeline, so a server that has it has replayed that timeline's WAL. It may be an older timeline than
     * the one the server replays by now, which only sends a read to the primary, never to a stale replica.
     */
    private static final String REPLAYED = """
            select coalesce((select max(timeline) from wal_timelines), 0),
                   pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_replay_lsn()
                                        else pg_current_wal_lsn() end, '0/0')::bigint
            """;

    /** Where the primary is now (see {@link #OF_PRIMARY}). */
    public static WalPosition ofPrimary(JdbcClient primary) {
        return primary.sql(OF_PRIMARY).query((row, n) -> new WalPosition(row.getInt(1), row.getLong(2))).single();
    }

    /** What the server behind {@code replica} has replayed, on which timeline (see {@link #REPLAYED}). */
    public static WalPosition replayedBy(JdbcClient replica) {
        return replica.sql(REPLAYED).query((row, n) -> new WalPosition(row.getInt(1), row.getLong(2))).single();
    }

    /** The later of two fences: the one on the newer timeline, else the one further on the same timeline. */
    public WalPosition later(WalPosition other) {
        if (timeline != other.timeline) {
            return timeline > other.timeline ? this : other;
        }
        return lsn >= other.lsn ? this : other;
    }

    /** Whether a server that has replayed up to here has every write {@code fence} stands for. */
    public boolean reached(WalPosition fence) {
        return fence.equals(NONE) || (timeline == fence.timeline && lsn >= fence.lsn);
    }

    @Override
    public String toString() {
        return "timeline " + timeline + " at " + lsn;
    }
}
