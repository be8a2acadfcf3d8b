#!/usr/bin/env bash
# Turns an empty PGDATA into the cluster's first primary: initdb, the three roles, the application
# database and access rules (scram-sha-256 everywhere; physical replication only for the replication
# role). It all happens in a side directory with no network listener, and moves into place only when
# complete: an interrupted bootstrap is discarded and redone, and nothing can connect before the roles
# exist.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

require_env PGDATA PG_INSTANCE_NAME
require_file PG_SUPERUSER_PASSWORD_FILE
require_file PG_REPLICATION_PASSWORD_FILE
require_file PG_APP_PASSWORD_FILE
work="$PGDATA.init"

rm -rf "$work"
log "initialising the primary in $work"
initdb --pgdata="$work" --username="$PG_SUPERUSER" --pwfile="$PG_SUPERUSER_PASSWORD_FILE" \
  --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --data-checksums >&2

# Who may connect to what. Anything not listed here is refused.
cat > "$work/pg_hba.conf" <<HBA
# TYPE  DATABASE        USER                     ADDRESS  METHOD
local   all             "$PG_SUPERUSER"                   scram-sha-256
host    all             "$PG_SUPERUSER"          all      scram-sha-256
host    replication     "$PG_REPLICATION_USER"   all      scram-sha-256
host    "$PG_DATABASE"  "$PG_APP_USER"           all      scram-sha-256
HBA

# start.sh rewrites cachedapi.conf on every start; replicas inherit this include with the base backup.
echo "include_if_exists = 'cachedapi.conf'" >> "$work/postgresql.conf"

# Roles and database, on a private socket only: nothing can reach the instance before it is set up.
pg_ctl --pgdata="$work" --wait --silent \
  --options="-c listen_addresses='' -c unix_socket_directories='$PG_SOCKET_DIR' -c port=$PGPORT" start >&2

# Passwords are read by psql itself (backticks below), so they never appear on a command line.
PGPASSWORD="$(cat "$PG_SUPERUSER_PASSWORD_FILE")" psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 \
  --host="$PG_SOCKET_DIR" --port="$PGPORT" --username="$PG_SUPERUSER" --dbname=postgres \
  -v replication_user="$PG_REPLICATION_USER" -v app_user="$PG_APP_USER" -v database="$PG_DATABASE" <<'SQL'
\set replication_password `cat "$PG_REPLICATION_PASSWORD_FILE"`
\set app_password `cat "$PG_APP_PASSWORD_FILE"`
SET password_encryption = 'scram-sha-256';
CREATE ROLE :"replication_user" WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
  PASSWORD :'replication_password';
CREATE ROLE :"app_user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
  PASSWORD :'app_password';
CREATE DATABASE :"database" OWNER :"app_user";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
SQL

pg_ctl --pgdata="$work" --wait --silent --mode=fast stop >&2
rm -rf "$PGDATA"
mv "$work" "$PGDATA"
log "primary initialised: database $PG_DATABASE owned by $PG_APP_USER, replication role $PG_REPLICATION_USER"
