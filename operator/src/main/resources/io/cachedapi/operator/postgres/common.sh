# shellcheck shell=bash
# Shared by the CachedApi PostgreSQL scripts. Everything they need comes from environment variables
# (the contract below), so the same files run in pods, in the tests and in the local stack.
#
#   PGDATA                          data directory (required); its parent must be writable, for the
#                                   side directories bootstrap works in (PGDATA.init, PGDATA.clone)
#   PGPORT                          port to listen on (default 5432)
#   PG_LISTEN_ADDRESSES             listen_addresses (default '*')
#   PG_SOCKET_DIR                   unix socket directory (default /var/run/postgresql)
#   PG_INSTANCE_NAME                this instance's name, e.g. the pod name (required)
#   PG_PRIMARY_NAME                 the current primary's name, from the topology (required)
#   PG_PRIMARY_HOST, PG_PRIMARY_PORT  where the current primary answers (the -rw Service in pods);
#                                   replicas clone from and stream from there
#   PG_BOOTSTRAPPED                 "true" once the cluster's first primary has been initialised (the
#                                   operator records it in the topology): from then on no instance
#                                   ever runs initdb again (default false)
#   PG_DATABASE                     the application database (default app)
#   PG_SUPERUSER                    superuser name (default postgres)
#   PG_REPLICATION_USER             replication role name (default replicator)
#   PG_APP_USER                     application role name (default app)
#   PG_SUPERUSER_PASSWORD_FILE, PG_REPLICATION_PASSWORD_FILE, PG_APP_PASSWORD_FILE
#                                   files holding the passwords (never passed on a command line)
#   PG_RECLONE                      the fresh clones the operator asked for: "pod=n ...", a generation
#                                   per pod; each is carried out once (optional)
#   PG_MAX_SLOT_WAL_KEEP_SIZE       bound on WAL a replication slot may retain (default 1GB; the
#                                   max_slot_wal_keep_size parameter of spec.postgres.parameters wins)
#   PG_WAL_KEEP_SIZE                WAL kept for pg_rewind of a former primary (default 256MB)
#   PG_MAX_WAL_SIZE                 max_wal_size: WAL between checkpoints (default 1GB; the operator
#                                   sizes these three from the volume)
#   PG_EXTRA_CONF                   optional file of postgresql.conf lines, included last
#   PG_PRIMARY_WAIT_SECONDS         how long a new replica waits for the primary (default 300)

set -euo pipefail

: "${PGPORT:=5432}"
: "${PG_LISTEN_ADDRESSES:=*}"
: "${PG_SOCKET_DIR:=/var/run/postgresql}"
: "${PG_BOOTSTRAPPED:=false}"
: "${PG_DATABASE:=app}"
: "${PG_SUPERUSER:=postgres}"
: "${PG_REPLICATION_USER:=replicator}"
: "${PG_APP_USER:=app}"
: "${PG_MAX_SLOT_WAL_KEEP_SIZE:=1GB}"
: "${PG_WAL_KEEP_SIZE:=256MB}"
: "${PG_MAX_WAL_SIZE:=1GB}"
: "${PG_PRIMARY_WAIT_SECONDS:=300}"
export PGPORT PG_LISTEN_ADDRESSES PG_SOCKET_DIR PG_BOOTSTRAPPED PG_DATABASE PG_SUPERUSER PG_REPLICATION_USER PG_APP_USER

log() {
  printf '%s cachedapi[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${PG_INSTANCE_NAME:-?}" "$*" >&2
}

die() {
  log "FATAL: $*"
  exit 1
}

require_env() {
  local name
  for name in "$@"; do
    [ -n "${!name:-}" ] || die "environment variable $name is required"
  done
}

require_file() {
  local name=$1
  require_env "$name"
  [ -r "${!name}" ] || die "$name points to ${!name}, which is not a readable file"
}

is_designated_primary() {
  [ "$PG_INSTANCE_NAME" = "$PG_PRIMARY_NAME" ]
}

# A complete data directory: bootstrap only ever moves finished directories into place.
has_data() {
  [ -s "$PGDATA/PG_VERSION" ]
}

# Beside PGDATA while pg_rewind works on it (see rejoin.sh).
rewind_marker() {
  printf '%s.rewinding' "$PGDATA"
}

# Physical slot names allow only [a-z0-9_]: shop-pg-1 -> shop_pg_1.
slot_name() {
  printf '%s' "$1" | tr '[:upper:]-.' '[:lower:]__'
}

# The fresh clone the operator last asked of this instance (its generation in PG_RECLONE, "pod=n ..."),
# empty if none; and the file beside PGDATA that remembers the last one carried out.
reclone_requested() {
  local item
  for item in ${PG_RECLONE:-}; do
    if [ "${item%%=*}" = "$PG_INSTANCE_NAME" ]; then printf '%s' "${item#*=}"; fi
  done
}
reclone_done_file() {
  printf '%s/cachedapi.recloned' "$(dirname "$PGDATA")"
}

# Where the replication password is kept for libpq (primary_conninfo, pg_basebackup, pg_receivewal),
# beside PGDATA rather than in it, so no base backup or rewind carries it along.
passfile() {
  printf '%s/cachedapi.pgpass' "$(dirname "$PGDATA")"
}

# Writes the pgpass file from the mounted password (':' and '\' escaped as pgpass wants).
write_passfile() {
  local password
  require_file PG_REPLICATION_PASSWORD_FILE
  password=$(sed -e 's/\\/\\\\/g' -e 's/:/\\:/g' "$PG_REPLICATION_PASSWORD_FILE")
  (umask 077 && printf '*:*:*:%s:%s\n' "$PG_REPLICATION_USER" "$password" > "$(passfile)")
}

# The libpq connection string to the current primary for the replication role. connect_timeout bounds
# pg_basebackup and pg_rewind's attempts on a hung server; the WAL receiver ignores it, which is why
# the operator makes the replicas reconnect after a promotion (it appends an option naming the primary).
primary_conninfo() {
  printf 'host=%s port=%s user=%s passfile=%s application_name=%s connect_timeout=3' \
    "$PG_PRIMARY_HOST" "$PG_PRIMARY_PORT" "$PG_REPLICATION_USER" "$(passfile)" "$PG_INSTANCE_NAME"
}

wait_for_primary() {
  local deadline=$((SECONDS + PG_PRIMARY_WAIT_SECONDS))
  log "waiting for primary $PG_PRIMARY_NAME at $PG_PRIMARY_HOST:$PG_PRIMARY_PORT"
  until pg_isready --quiet --host="$PG_PRIMARY_HOST" --port="$PG_PRIMARY_PORT" --timeout=2; do
    [ "$SECONDS" -lt "$deadline" ] || die "primary $PG_PRIMARY_HOST:$PG_PRIMARY_PORT not ready after ${PG_PRIMARY_WAIT_SECONDS}s"
    sleep 1
  done
}
