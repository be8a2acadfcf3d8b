-- The timelines the primary has been found on, each row written on its own timeline by the service
-- (Writes): a replica that has a row has replayed that timeline's WAL. This is how a replica shows the
-- application role which timeline it follows (pg_stat_wal_receiver hides it from roles without
-- pg_read_all_stats), so that a write fence is never compared with a position on another timeline.
create table wal_timelines (
    timeline  integer     primary key check (timeline > 0),
    marked_at timestamptz not null default now()
);
