#!/usr/bin/env bash
# Rejoins the current primary with a data directory that was itself a primary: the operator failed
# over while this instance was away, so the topology now names another primary. pg_rewind winds the
# data back to where the timelines forked (data checksums and wal_log_hints make that possible), then
# the instance follows the new primary as a replica. When the rewind cannot be done (the WAL it needs
# is gone, another system), the instance is cloned afresh instead; the old directory stays until the
# clone is complete.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

require_env PGDATA PG_INSTANCE_NAME PG_PRIMARY_NAME PG_PRIMARY_HOST PG_PRIMARY_PORT
require_file PG_SUPERUSER_PASSWORD_FILE

wait_for_primary
log "rejoining $PG_PRIMARY_NAME: rewinding $PGDATA to where the timelines forked"
source="host=$PG_PRIMARY_HOST port=$PG_PRIMARY_PORT user=$PG_SUPERUSER dbname=postgres connect_timeout=10"
# the superuser's password for these two commands only: the clone below logs in as the replication role
as_superuser() {
  PGPASSWORD="$(cat "$PG_SUPERUSER_PASSWORD_FILE")" "$@"
}
# pg_rewind reads the source's timeline from its control file, which a fresh promotion updates only at
# its next checkpoint: without one it finds "the same timeline" and rewinds nothing
as_superuser psql --no-psqlrc --quiet --dbname="$source" --command=CHECKPOINT >&2 \
  || log "could not ask $PG_PRIMARY_NAME for a checkpoint; rewinding anyway"
# pg_rewind changes PGDATA in place: a rewind cut short leaves a directory no one should start or
# rewind again. The marker says one is under way; start.sh clones instead while it is there.
touch "$(rewind_marker)"
if as_superuser pg_rewind --target-pgdata="$PGDATA" --source-server="$source" >&2; then
  touch "$PGDATA/standby.signal"
  rm -f "$(rewind_marker)"
  log "rewound: following $PG_PRIMARY_NAME as a replica"
else
  log "pg_rewind could not rewind $PGDATA: cloning $PG_PRIMARY_NAME afresh"
  "$(dirname "$0")/init-replica.sh"
fi
