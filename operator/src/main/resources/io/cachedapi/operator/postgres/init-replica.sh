#!/usr/bin/env bash
# Turns an empty PGDATA into a streaming replica of the current primary. Never runs initdb: the data
# comes from pg_basebackup, streaming through this replica's physical replication slot on the primary. The clone lands in a side directory and moves into place only when complete, so
# an interrupted clone is never started: the next start discards it and clones again.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

require_env PGDATA PG_INSTANCE_NAME PG_PRIMARY_HOST PG_PRIMARY_PORT
write_passfile
export PGPASSFILE
PGPASSFILE=$(passfile)
slot=$(slot_name "$PG_INSTANCE_NAME")
primary="host=$PG_PRIMARY_HOST port=$PG_PRIMARY_PORT user=$PG_REPLICATION_USER application_name=$PG_INSTANCE_NAME"
clone="$PGDATA.clone"

wait_for_primary
# A slot left by an earlier life of this replica may hold a position long gone: drop it, then create it
# afresh unless the operator (which keeps a slot for every replica) just did.
pg_receivewal --dbname="$primary" --slot="$slot" --drop-slot >/dev/null 2>&1 || true
pg_receivewal --dbname="$primary" --slot="$slot" --create-slot --if-not-exists >&2

rm -rf "$clone"
log "cloning the primary into $clone (slot $slot)"
pg_basebackup --dbname="$primary" --pgdata="$clone" --wal-method=stream \
  --slot="$slot" --checkpoint=fast --no-password >&2
# The standby settings themselves (primary_conninfo, slot) are written by start.sh on every start.
touch "$clone/standby.signal"

rm -rf "$PGDATA"
mv "$clone" "$PGDATA"
rm -f "$(rewind_marker)"
log "replica initialised from $PG_PRIMARY_NAME"
