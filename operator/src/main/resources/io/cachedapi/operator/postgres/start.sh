#!/usr/bin/env bash
# Entry point of every PostgreSQL instance. Decides what this instance's data directory must become,
# from the topology (PG_PRIMARY_NAME, PG_BOOTSTRAPPED), then runs the server in the foreground:
#
#   data?  named primary?  what happens
#   no     yes             first start of the cluster: initdb (init-primary.sh); once the cluster is
#                          bootstrapped, never again: it waits for the operator to promote a replica
#   no     no              a clone of the current primary (init-replica.sh)
#   yes    yes             the primary starts (or a replica the operator is promoting)
#   yes    no              a replica starts; a former primary first rejoins the new one (rejoin.sh);
#                          a rewind cut short is never resumed: the instance is cloned afresh; a replica
#                          the operator found unable to follow (PG_RECLONE) is cloned afresh, once per request
#
# Bootstrap works in side directories that move into place only when complete, so whatever an
# interruption left behind is discarded here and redone, never started.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

require_env PGDATA PG_INSTANCE_NAME PG_PRIMARY_NAME
scripts=$(dirname "$0")

for unfinished in "$PGDATA.init" "$PGDATA.clone"; do
  if [ -e "$unfinished" ]; then
    log "discarding $unfinished, left by an interrupted bootstrap"
    rm -rf "$unfinished"
  fi
done
if [ -d "$PGDATA" ] && ! has_data && [ -n "$(ls -A "$PGDATA")" ]; then
  log "discarding the contents of $PGDATA: no PG_VERSION, so no complete data directory"
  rm -rf "$PGDATA"
fi

reclone=$(reclone_requested)
if [ -e "$(rewind_marker)" ]; then
  is_designated_primary && die "a rewind of $PGDATA was cut short, and the topology names this instance the" \
    "primary: its data cannot be trusted, so it will not start; promote another instance"
  log "a rewind of $PGDATA was cut short: cloning $PG_PRIMARY_NAME afresh instead"
  "$scripts/init-replica.sh"
elif ! has_data; then
  if is_designated_primary && [ "$PG_BOOTSTRAPPED" = true ]; then
    die "$PGDATA is empty, and this cluster was bootstrapped already: a new, empty primary would hide every" \
      "write it holds, so initdb will not run. The operator promotes the most advanced replica, and this" \
      "instance then starts as a clone of it"
  elif is_designated_primary; then
    "$scripts/init-primary.sh"
  else
    "$scripts/init-replica.sh"
  fi
elif ! is_designated_primary && [ -n "$reclone" ] && [ "$reclone" != "$(cat "$(reclone_done_file)" 2>/dev/null || true)" ]; then
  log "re-cloning $PG_PRIMARY_NAME: the operator found that this replica cannot follow it (request $reclone)"
  "$scripts/init-replica.sh"
elif ! is_designated_primary && [ ! -f "$PGDATA/standby.signal" ]; then
  "$scripts/rejoin.sh"
fi
# whatever path was taken, the data now answers the last request: it is not carried out again
if [ -n "$reclone" ]; then printf '%s\n' "$reclone" > "$(reclone_done_file)"; fi

# PostgreSQL refuses a data directory others can read; a volume with fsGroup makes it 2770 on mounts.
chmod 0700 "$PGDATA"
write_passfile
# Standby settings live in cachedapi.conf (below), not in postgresql.auto.conf, which would override
# them (pg_basebackup -R and pg_rewind write or copy it).
sed -i -e '/^primary_conninfo/d' -e '/^primary_slot_name/d' "$PGDATA/postgresql.auto.conf" 2>/dev/null || true

# Settings that follow the environment, rewritten on every start (included from postgresql.conf).
# The standby settings are ignored by a primary and followed by a replica; they name the current
# primary's address (the -rw Service in pods), so a promotion needs no replica restart.
{
  echo "# Written by start.sh on every start; edits here are lost."
  echo "listen_addresses = '$PG_LISTEN_ADDRESSES'"
  echo "port = $PGPORT"
  echo "unix_socket_directories = '$PG_SOCKET_DIR'"
  echo "cluster_name = '$PG_INSTANCE_NAME'"
  echo "password_encryption = 'scram-sha-256'"
  echo "wal_level = replica"
  echo "max_wal_senders = 10"
  echo "max_replication_slots = 10"
  echo "max_slot_wal_keep_size = '$PG_MAX_SLOT_WAL_KEEP_SIZE'"
  echo "wal_log_hints = on"
  # WAL a former primary still holds for pg_rewind to find where it forked; without it, it is cloned afresh
  echo "wal_keep_size = '$PG_WAL_KEEP_SIZE'"
  echo "max_wal_size = '$PG_MAX_WAL_SIZE'"
  echo "hot_standby = on"
  echo "hot_standby_feedback = on"
  # a hung peer (not a dead one: its connections stay open) is given up after 5 s, not the default 60 s,
  # so replicas leave a hung primary and find the promoted one (CloudNativePG's values)
  echo "wal_sender_timeout = '5s'"
  echo "wal_receiver_timeout = '5s'"
  if [ -n "${PG_PRIMARY_HOST:-}" ]; then
    echo "primary_conninfo = '$(primary_conninfo)'"
    echo "primary_slot_name = '$(slot_name "$PG_INSTANCE_NAME")'"
    echo "recovery_target_timeline = 'latest'"
    # after a failover, find the new primary behind -rw within a second, not the default five
    echo "wal_retrieve_retry_interval = '1s'"
  fi
  if [ -n "${PG_EXTRA_CONF:-}" ]; then
    echo "include '$PG_EXTRA_CONF'"
  fi
} > "$PGDATA/cachedapi.conf"

if [ -f "$PGDATA/standby.signal" ] && [ -n "${PG_PRIMARY_HOST:-}" ]; then
  # This replica's slot on the current primary (a new primary has none yet); the operator ensures it too.
  PGPASSFILE=$(passfile) PGCONNECT_TIMEOUT=3 pg_receivewal --create-slot --if-not-exists \
    --slot="$(slot_name "$PG_INSTANCE_NAME")" \
    --dbname="host=$PG_PRIMARY_HOST port=$PG_PRIMARY_PORT user=$PG_REPLICATION_USER" >/dev/null 2>&1 \
    || log "could not make sure slot $(slot_name "$PG_INSTANCE_NAME") exists on $PG_PRIMARY_NAME; streaming starts once it does"
fi

log "starting postgres ($(if [ -f "$PGDATA/standby.signal" ]; then echo standby; else echo primary; fi)) on port $PGPORT"
exec postgres -D "$PGDATA"
