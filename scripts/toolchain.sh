#!/usr/bin/env bash
# Runs a command with what it needs, installing what is missing.
#
#   scripts/toolchain.sh ./mvnw verify          # tests and the local stack: everything below
#   scripts/toolchain.sh --build ./mvnw package # commands that only build: a JDK, nothing else
#
# Everything: a JDK >= 21, the PostgreSQL server binaries, redis-server, shellcheck, procps (kill),
# curl (the README's examples), and the commands named in CACHEDAPI_EXTRA_TOOLS (e.g. wrk for make
# bench; each the Debian package of the same name).
# On Debian/Ubuntu it installs through apt-get (as root, or through passwordless sudo); wherever it
# cannot, it stops and says exactly what to install.
#
# Exports JAVA_HOME (and puts it first on PATH) and, unless --build, CACHEDAPI_PG_BINDIR.
set -euo pipefail

readonly MIN_JAVA=21

say() { printf 'toolchain: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

APT_UPDATED=false

# The command prefix that runs apt-get with root rights, or nothing when there is no way to.
apt_prefix() {
  if [[ $(id -u) -eq 0 ]]; then
    echo ""
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo sudo
  else
    return 1
  fi
}

# Refreshes the package lists once per run: on a fresh system they are empty and nothing is found.
apt_update() {
  [[ $APT_UPDATED == false ]] || return 0
  local prefix
  prefix=$(apt_prefix) || return 0
  command -v apt-get >/dev/null || return 0
  say "refreshing the package lists (apt-get update)"
  $prefix apt-get update -qq || say "apt-get update failed; looking in the lists as they are"
  APT_UPDATED=true
}

# Installs Debian packages, or explains which ones are needed.
apt_install() {
  local prefix
  command -v apt-get >/dev/null \
    || die "missing: $*; this is not a Debian/Ubuntu machine, install the equivalent packages and run again"
  prefix=$(apt_prefix) || die "missing: $*; install them (as root: apt-get install -y $*) and run again"
  apt_update
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive $prefix apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get could not install $*; install them by hand and run again"
}

# An apt package of that name can be installed here.
apt_has() {
  command -v apt-cache >/dev/null || return 1
  apt_update
  [[ -n $(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)"') ]]
}

# The major version of the JDK at $1 (a JAVA_HOME), or 0.
java_major() {
  [[ -x $1/bin/javac ]] || { echo 0; return; }
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F' = ' '/java.specification.version/ { split($2, v, "."); print (v[1] == 1 ? v[2] : v[1]); found=1 } END { if (!found) print 0 }'
}

# The newest JDK >= MIN_JAVA in JAVA_HOME, the system JVM directory, /opt or SDKMAN's candidates.
find_jdk() {
  local candidate best="" best_major=0 major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* /opt/jdk* "${SDKMAN_DIR:-$HOME/.sdkman}"/candidates/java/*; do
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
  [[ -n $jdk ]] || die "no JDK >= $MIN_JAVA in JAVA_HOME, /usr/lib/jvm, /opt or SDKMAN, and this machine's" \
    "package sources offer none (Debian 12 ships only JDK 17). Install one from outside them:" \
    "Adoptium's apt repository (https://adoptium.net/installation/linux/, then apt-get install temurin-$MIN_JAVA-jdk)" \
    "or SDKMAN (https://sdkman.io, then sdk install java $MIN_JAVA-tem); then run this again, with JAVA_HOME" \
    "set to that JDK unless it is under /usr/lib/jvm"
  export JAVA_HOME=$jdk
  export PATH=$JAVA_HOME/bin:$PATH
}

# The directory holding postgres and pg_basebackup (the newest Debian version first), or nothing.
find_pg_bindir() {
  local dir
  if [[ -n ${CACHEDAPI_PG_BINDIR:-} && -x ${CACHEDAPI_PG_BINDIR}/postgres ]]; then
    echo "$CACHEDAPI_PG_BINDIR"
    return 0
  fi
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k4 -n -r); do
    if [[ -x $dir/postgres && -x $dir/pg_basebackup ]]; then echo "$dir"; return 0; fi
  done
  dir=$(dirname "$(command -v postgres 2>/dev/null || echo /nonexistent/postgres)")
  if [[ -x $dir/postgres && -x $dir/pg_basebackup ]]; then echo "$dir"; fi
  return 0
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

# A command found on PATH as a file (type -P: the kill builtin does not count), installed if missing.
ensure_command() {
  local command=$1 package=$2
  type -P "$command" >/dev/null || apt_install "$package"
  type -P "$command" >/dev/null || die "$command is missing; install the $package package"
}

build_only=false
if [[ ${1:-} == --build ]]; then
  build_only=true
  shift
fi
[[ $# -gt 0 ]] || die "usage: scripts/toolchain.sh [--build] COMMAND [ARGS...]"
ensure_jdk
if [[ $build_only == false ]]; then
  ensure_postgres
  ensure_command redis-server redis-server
  ensure_command shellcheck shellcheck
  ensure_command kill procps
  ensure_command curl curl
  for tool in ${CACHEDAPI_EXTRA_TOOLS:-}; do
    ensure_command "$tool" "$tool"
  done
fi
exec "$@"
