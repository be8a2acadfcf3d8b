#!/usr/bin/env bash
# Turns an empty PGDATA into a streaming replica of the current primary. Never runs initdb: the data
# comes from pg_basebackup, which also writes standby.signal and primary_conninfo (-R) and creates
# this replica's physical replication slot on the primary (-C -S).
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

require_env PGDATA PG_INSTANCE_NAME PG_PRIMARY_HOST PG_PRIMARY_PORT
require_file PG_REPLICATION_PASSWORD_FILE

slot=$(slot_name "$PG_INSTANCE_NAME")
PGPASSWORD="$(cat "$PG_REPLICATION_PASSWORD_FILE")"
export PGPASSWORD
primary="host=$PG_PRIMARY_HOST port=$PG_PRIMARY_PORT user=$PG_REPLICATION_USER application_name=$PG_INSTANCE_NAME"

log "waiting for primary $PG_PRIMARY_NAME at $PG_PRIMARY_HOST:$PG_PRIMARY_PORT"
deadline=$((SECONDS + PG_PRIMARY_WAIT_SECONDS))
until pg_isready --quiet --host="$PG_PRIMARY_HOST" --port="$PG_PRIMARY_PORT" --timeout=2; do
  [ "$SECONDS" -lt "$deadline" ] || die "primary $PG_PRIMARY_HOST:$PG_PRIMARY_PORT not ready after ${PG_PRIMARY_WAIT_SECONDS}s"
  sleep 1
done

# A slot left by an earlier life of this replica would make -C fail; it holds nothing we still need.
pg_receivewal --dbname="$primary" --slot="$slot" --drop-slot >/dev/null 2>&1 || true

log "cloning the primary into $PGDATA (slot $slot)"
pg_basebackup --dbname="$primary" --pgdata="$PGDATA" --write-recovery-conf --wal-method=stream \
  --create-slot --slot="$slot" --checkpoint=fast --no-password >&2

[ -f "$PGDATA/standby.signal" ] || die "pg_basebackup did not write standby.signal"
log "replica initialised from $PG_PRIMARY_NAME"
