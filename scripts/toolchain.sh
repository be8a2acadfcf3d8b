#!/usr/bin/env bash
# Runs a command with what the build and the tests need, installing what is missing:
#   a JDK >= 21, PostgreSQL server binaries, redis-server, shellcheck, and the commands named in
#   CACHEDAPI_EXTRA_TOOLS (e.g. wrk for make bench; each the Debian package of the same name).
# On Debian/Ubuntu it installs through apt-get (as root, or through sudo); wherever it cannot, it
# stops and says exactly what to install.
#
#   scripts/toolchain.sh ./mvnw verify
#
# Exports JAVA_HOME (and puts it first on PATH) and CACHEDAPI_PG_BINDIR for the command.
set -euo pipefail

readonly MIN_JAVA=21

say() { printf 'toolchain: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

APT_UPDATED=false

# Installs Debian packages, or explains which ones are needed.
apt_install() {
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      die "missing: $*; install them (as root: apt-get install -y $*) and run again"
    fi
  fi
  command -v apt-get >/dev/null || die "missing: $*; this is not a Debian/Ubuntu machine, install the equivalent packages and run again"
  if [[ $APT_UPDATED == false ]]; then
    "${sudo[@]}" apt-get update -qq
    APT_UPDATED=true
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# An apt package of that name can be installed here.
apt_has() {
  command -v apt-cache >/dev/null && [[ -n $(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)"') ]]
}

# The major version of the JDK at $1 (a JAVA_HOME), or 0.
java_major() {
  [[ -x $1/bin/javac ]] || { echo 0; return; }
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F' = ' '/java.specification.version/ { split($2, v, "."); print (v[1] == 1 ? v[2] : v[1]); found=1 } END { if (!found) print 0 }'
}

find_jdk() {
  local candidate best="" best_major=0 major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [[ -n $candidate && -d $candidate ]] || continue
    major=$(java_major "$candidate")
    if (( major >= MIN_JAVA && major > best_major )); then
      best=$candidate best_major=$major
    fi
  done
  echo "$best"
}

ensure_jdk() {
  local jdk package
  jdk=$(find_jdk)
  if [[ -z $jdk ]]; then
    for package in openjdk-25-jdk-headless openjdk-21-jdk-headless temurin-25-jdk temurin-21-jdk; do
      if apt_has "$package"; then
        apt_install "$package"
        jdk=$(find_jdk)
        break
      fi
    done
  fi
  [[ -n $jdk ]] || die "no JDK >= $MIN_JAVA found in JAVA_HOME or /usr/lib/jvm, and this machine's package sources offer none;" \
    "install one (e.g. Temurin $MIN_JAVA from https://adoptium.net, or openjdk-$MIN_JAVA-jdk-headless) and set JAVA_HOME to it"
  export JAVA_HOME=$jdk
  export PATH=$JAVA_HOME/bin:$PATH
}

find_pg_bindir() {
  local dir
  if [[ -n ${CACHEDAPI_PG_BINDIR:-} && -x ${CACHEDAPI_PG_BINDIR}/postgres ]]; then
    echo "$CACHEDAPI_PG_BINDIR"
    return
  fi
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k4 -n -r); do
    [[ -x $dir/postgres && -x $dir/pg_basebackup ]] && { echo "$dir"; return; }
  done
  dir=$(dirname "$(command -v postgres 2>/dev/null || echo /nonexistent/postgres)")
  [[ -x $dir/postgres && -x $dir/pg_basebackup ]] && echo "$dir"
}

ensure_postgres() {
  local bindir
  bindir=$(find_pg_bindir)
  if [[ -z $bindir ]]; then
    # The tests start their own clusters: keep the package from creating and starting a system one.
    if [[ $(id -u) -eq 0 && ! -e /etc/postgresql-common/createcluster.conf ]]; then
      mkdir -p /etc/postgresql-common
      echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
    fi
    apt_install postgresql
    bindir=$(find_pg_bindir)
  fi
  [[ -n $bindir ]] || die "no PostgreSQL server binaries (postgres, pg_basebackup) found; install PostgreSQL >= 13 server" \
    "packages and set CACHEDAPI_PG_BINDIR to their bin directory"
  export CACHEDAPI_PG_BINDIR=$bindir
}

ensure_command() {
  local command=$1 package=$2
  command -v "$command" >/dev/null || apt_install "$package"
  command -v "$command" >/dev/null || die "$command is missing; install the $package package"
}

[[ $# -gt 0 ]] || die "usage: scripts/toolchain.sh COMMAND [ARGS...]"
ensure_jdk
ensure_postgres
ensure_command redis-server redis-server
ensure_command shellcheck shellcheck
for tool in ${CACHEDAPI_EXTRA_TOOLS:-}; do
  ensure_command "$tool" "$tool"
done
exec "$@"
