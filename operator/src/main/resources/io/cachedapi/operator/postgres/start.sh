#!/usr/bin/env bash
# Entry point of every PostgreSQL instance. An empty data directory becomes the primary when this
# instance is the designated one (PG_PRIMARY_NAME), a streaming replica of it otherwise; then the
# server runs in the foreground on that same PGDATA.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

require_env PGDATA PG_INSTANCE_NAME PG_PRIMARY_NAME
scripts=$(dirname "$0")

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if is_designated_primary; then
    "$scripts/init-primary.sh"
  else
    "$scripts/init-replica.sh"
  fi
elif ! is_designated_primary && [ ! -f "$PGDATA/standby.signal" ]; then
  # Not healed here: the operator sees this instance answer pg_is_in_recovery() = f and reports it.
  log "WARNING: $PGDATA has no standby.signal although $PG_PRIMARY_NAME is the primary; starting as a primary"
fi

# Settings that follow the environment, rewritten on every start (included from postgresql.conf).
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
  echo "hot_standby = on"
  echo "hot_standby_feedback = on"
  if [ -n "${PG_EXTRA_CONF:-}" ]; then
    echo "include '$PG_EXTRA_CONF'"
  fi
} > "$PGDATA/cachedapi.conf"

log "starting postgres ($(if [ -f "$PGDATA/standby.signal" ]; then echo standby; else echo primary; fi)) on port $PGPORT"
exec postgres -D "$PGDATA"
