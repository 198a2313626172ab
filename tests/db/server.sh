#!/usr/bin/env bash
# A throwaway PostgreSQL or MariaDB server for the store's tests, from
# Debian's packages: data, sockets and logs in <dir>, TCP on 127.0.0.1 only,
# on a free port, with fsync off (the data is thrown away).
#
#   tests/db/server.sh start postgres|mariadb|redis <dir>   prints the server's URL
#   tests/db/server.sh stop <dir>                           stops it, removes <dir>
#   tests/db/server.sh down <dir>                           PostgreSQL, Redis: stops it at once, keeps <dir>
#   tests/db/server.sh up <dir>                             PostgreSQL, Redis: starts it again (same port)
#
# `down` and `up` let a test take the database away under a running aisbf
# and bring it back; `stop` still cleans up a server that is down.
#
# `start` prints postgresql://aisbf:<pw>@127.0.0.1:<port>/aisbf (or mysql://…)
# once the server accepts the `aisbf` user, who owns the `aisbf` database and
# has a random password. Redis (no persistence, the default user with a
# random requirepass): redis://:<pw>@127.0.0.1:<port>/0 once it answers PING. If `start` fails, it stops what it started. Every
# wait is bounded (AISBF_DB_WAIT_SECONDS, default 30).
#
# With AISBF_DB_TEMPLATE=<tdir>, the first start saves its fresh data
# directory (before any setting or user) in <tdir>, and later starts copy it
# instead of running initdb or mariadb-install-db again: a test that starts
# a scratch server of its own then costs a copy, not an install.
#
# As root (CI) PostgreSQL runs as the `postgres` user (it refuses root) and
# mariadbd with --user=root; as a normal user both run as that user.
set -euo pipefail

PG_BIN=${AISBF_PG_BIN:-/usr/lib/postgresql/15/bin}
MARIADBD=${AISBF_MARIADBD:-/usr/sbin/mariadbd}
REDIS_SERVER=${AISBF_REDIS_SERVER:-/usr/bin/redis-server}
WAIT_SECONDS=${AISBF_DB_WAIT_SECONDS:-30}
TEMPLATE=${AISBF_DB_TEMPLATE:-}

die() { echo "server.sh: $*" >&2; exit 1; }

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# True if some socket already uses TCP port $1 on this host (IPv4 or IPv6).
port_taken() {
  local hex
  hex=$(printf '%04X' "$1")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=":$hex" '$2 ~ p"$" {found=1} END {exit !found}'
}

pick_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    port_taken "$port" || { echo "$port"; return 0; }
  done
  die "no free port found"
}

# Runs a command as the server's OS user.
as_owner() {
  if [ "$(id -u)" = 0 ] && [ "$KIND" = postgres ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Waits up to WAIT_SECONDS for "$@" to succeed.
wait_for() {
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# True while process $1 runs (a zombie does not: whoever inherits the server
# may never reap it).
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}
gone() { ! alive "$1"; }

# True if $1 runs with $2 in its command line: a pid file can outlive its
# server, and the pid be reused.
is_server() {
  local cmdline
  alive "$1" && cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) && [[ "$cmdline" == *"$2"* ]]
}

# Kills server $1 (identified by $2) and waits for it to go.
kill_server() {
  is_server "$1" "$2" || return 0
  kill -KILL "$1" 2>/dev/null || true
  wait_for gone "$1" || true
}

# ---------------------------------------------------------------- PostgreSQL

# Copies the template into $1/data, or runs "$@" to make the data (into
# $1/data) and saves a copy as the template.
fresh_data() {
  local dir=$1
  shift
  # cp -a keeps the owner (postgres, when we are root).
  if [ -n "$TEMPLATE" ] && [ -d "$TEMPLATE" ]; then
    cp -a "$TEMPLATE" "$dir/data"
    return
  fi
  "$@" >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; die "could not make the data directory"; }
  if [ -n "$TEMPLATE" ]; then
    { cp -a "$dir/data" "$TEMPLATE.tmp.$$" && mv -T "$TEMPLATE.tmp.$$" "$TEMPLATE"; } 2>/dev/null ||
      rm -rf "$TEMPLATE.tmp.$$"
  fi
}

pg_start() {
  local dir=$1 password port attempt
  fresh_data "$dir" as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C --no-sync \
    --auth-local=trust --auth-host=scram-sha-256
  for attempt in 1 2 3 4 5; do
    port=$(pick_port)
    # The last setting in the file wins, so a retry just appends.
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = 16MB
EOF
    echo "$port" >"$dir/port"
    if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$WAIT_SECONDS" start >/dev/null; then
      break
    fi
    grep -q "could not bind\|Address already in use" "$dir/server.log" 2>/dev/null ||
      { cat "$dir/server.log" >&2; die "postgres did not start"; }
    [ "$attempt" -lt 5 ] || die "postgres found no free port"
  done
  password=$(random_hex 16)
  as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE aisbf LOGIN PASSWORD '$password'" -c "CREATE DATABASE aisbf OWNER aisbf" >/dev/null
  # The URL is proven: the aisbf user logs in over TCP with its password.
  PGPASSWORD=$password PGCONNECT_TIMEOUT=5 wait_for as_owner "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" \
    -U aisbf -d aisbf -c 'SELECT 1' || die "postgres does not accept the aisbf user"
  echo "postgresql://aisbf:$password@127.0.0.1:$port/aisbf"
}

pg_stop() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  # immediate: the data is thrown away, so no checkpoint.
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t "$WAIT_SECONDS" stop >/dev/null 2>&1 && return 0
  local pid
  pid=$(head -n1 "$dir/data/postmaster.pid" 2>/dev/null || true)
  [ -z "$pid" ] || kill_server "$pid" "$dir/data"
}

# ------------------------------------------------------------------- MariaDB

maria_client() {
  mariadb --no-defaults --protocol=socket --socket="$DIR/mysqld.sock" -uroot "$@"
}

maria_start() {
  local dir=$1 password port attempt pid user_args=()
  [ "$(id -u)" = 0 ] && user_args=(--user=root)
  fresh_data "$dir" mariadb-install-db --no-defaults "${user_args[@]}" --datadir="$dir/data" --skip-test-db \
    --auth-root-authentication-method=normal --skip-name-resolve --innodb-log-file-size=16M \
    --innodb-buffer-pool-size=32M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0
  for attempt in 1 2 3 4 5; do
    port=$(pick_port)
    echo "$port" >"$dir/port"
    # setsid and no inherited descriptors: the caller's $(…) must not wait for it.
    setsid "$MARIADBD" --no-defaults "${user_args[@]}" --datadir="$dir/data" --port="$port" \
      --bind-address=127.0.0.1 --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
      --log-error="$dir/server.log" --tmpdir="$dir" --skip-name-resolve --skip-log-bin \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-buffer-pool-size=32M \
      --innodb-log-file-size=16M --max-connections=50 --performance-schema=OFF \
      --innodb-flush-method=nosync --skip-sync-frm --skip-innodb-file-per-table \
      </dev/null >/dev/null 2>&1 &
    pid=$!
    echo "$pid" >"$dir/mysqld.pid.launch"
    local deadline=$((SECONDS + WAIT_SECONDS))
    until maria_client -e 'SELECT 1' >/dev/null 2>&1; do
      if ! is_server "$pid" "--datadir=$dir/data" || [ "$SECONDS" -ge "$deadline" ]; then
        kill_server "$pid" "--datadir=$dir/data"
        break
      fi
      sleep 0.2
    done
    maria_client -e 'SELECT 1' >/dev/null 2>&1 && break
    grep -q "Can't start server: Bind\|Address already in use" "$dir/server.log" 2>/dev/null ||
      { cat "$dir/server.log" >&2; die "mariadbd did not start"; }
    [ "$attempt" -lt 5 ] || die "mariadbd found no free port"
  done
  password=$(random_hex 16)
  maria_client <<EOF
CREATE DATABASE aisbf CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'aisbf'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON aisbf.* TO 'aisbf'@'127.0.0.1';
EOF
  MYSQL_PWD=$password wait_for mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" -uaisbf \
    --connect-timeout=5 aisbf -e 'SELECT 1' || die "mariadbd does not accept the aisbf user"
  echo "mysql://aisbf:$password@127.0.0.1:$port/aisbf"
}

maria_stop() {
  local dir=$1 pid=""
  [ -f "$dir/mysqld.pid" ] && pid=$(cat "$dir/mysqld.pid" 2>/dev/null || true)
  [ -z "$pid" ] && [ -f "$dir/mysqld.pid.launch" ] && pid=$(cat "$dir/mysqld.pid.launch")
  # KILL, not TERM: the data is thrown away, and a clean InnoDB shutdown costs seconds.
  [ -z "$pid" ] || kill_server "$pid" "--datadir=$dir/data"
}

# --------------------------------------------------------------------- Redis

redis_ping() {
  REDISCLI_AUTH=$(cat "$DIR/password") redis-cli --no-auth-warning -h 127.0.0.1 -p "$(cat "$DIR/port")" ping |
    grep -q PONG
}

# Starts redis-server from $1/redis.conf (daemonized: it writes its pid file).
redis_launch() {
  local dir=$1
  rm -f "$dir/redis.pid"
  "$REDIS_SERVER" "$dir/redis.conf" </dev/null >/dev/null 2>&1 || return 1
  wait_for redis_ping
}

redis_start() {
  local dir=$1 password port attempt
  password=$(random_hex 16)
  echo "$password" >"$dir/password"
  for attempt in 1 2 3 4 5; do
    port=$(pick_port)
    echo "$port" >"$dir/port"
    cat >"$dir/redis.conf" <<EOF
bind 127.0.0.1
port $port
requirepass $password
dir $dir
daemonize yes
pidfile $dir/redis.pid
logfile $dir/server.log
save ""
appendonly no
EOF
    redis_launch "$dir" && break
    redis_stop "$dir"
    grep -q "Address already in use" "$dir/server.log" 2>/dev/null ||
      { cat "$dir/server.log" >&2 2>/dev/null; die "redis-server did not start"; }
    [ "$attempt" -lt 5 ] || die "redis-server found no free port"
  done
  echo "redis://:$password@127.0.0.1:$port/0"
}

redis_stop() {
  local dir=$1 pid=""
  [ -f "$dir/redis.pid" ] && pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  [ -z "$pid" ] || kill_server "$pid" "redis-server"
}

# ---------------------------------------------------------------------- main

stop_dir() {
  DIR=$1
  [ -d "$DIR" ] || return 0
  KIND=$(cat "$DIR/kind" 2>/dev/null || true)
  case "$KIND" in
    postgres) pg_stop "$DIR" ;;
    mariadb) maria_stop "$DIR" ;;
    redis) redis_stop "$DIR" ;;
  esac
  rm -rf -- "$DIR"
}

case "${1:-}" in
  start)
    [ $# = 3 ] || die "usage: server.sh start postgres|mariadb|redis <dir>"
    KIND=$2
    case "$KIND" in postgres | mariadb | redis) ;; *) die "unknown server kind: $KIND" ;; esac
    mkdir -p -- "$3"
    DIR=$(cd -- "$3" && pwd)
    [ -z "$(ls -A -- "$DIR")" ] || die "$DIR is not empty"
    # Unix socket paths are limited to ~107 bytes.
    [ ${#DIR} -le 80 ] || die "$DIR is too long for a socket path"
    if [ "$KIND" = postgres ]; then
      [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 is not installed ($PG_BIN): run scripts/setup.sh --tests"
    elif [ "$KIND" = redis ]; then
      [ -x "$REDIS_SERVER" ] && command -v redis-cli >/dev/null ||
        die "Redis is not installed: run scripts/setup.sh --tests"
    else
      if ! command -v mariadb-install-db >/dev/null || [ ! -x "$MARIADBD" ]; then
        die "MariaDB is not installed: run scripts/setup.sh --tests"
      fi
    fi
    # From here on, a failure stops what was started and removes the dir.
    trap 'stop_dir "$DIR"' EXIT
    echo "$KIND" >"$DIR/kind"
    if [ "$(id -u)" = 0 ] && [ "$KIND" = postgres ]; then
      chown postgres: "$DIR"
      runuser -u postgres -- test -x "$DIR" || die "the postgres user cannot enter $DIR (chmod o+x its parents)"
    fi
    chmod 700 "$DIR"
    cd "$DIR"  # postgres' tools must be able to stat their working directory
    case "$KIND" in
      postgres) pg_start "$DIR" ;;
      mariadb) maria_start "$DIR" ;;
      redis) redis_start "$DIR" ;;
    esac
    trap - EXIT
    ;;
  stop)
    [ $# = 2 ] || die "usage: server.sh stop <dir>"
    stop_dir "$2"
    ;;
  down | up)
    [ $# = 2 ] || die "usage: server.sh down|up <dir>"
    DIR=$(cd -- "$2" && pwd)
    KIND=$(cat "$DIR/kind" 2>/dev/null || true)
    [ "$KIND" = postgres ] || [ "$KIND" = redis ] || die "down and up work on a PostgreSQL or Redis server only"
    cd "$DIR"
    if [ "$KIND" = redis ]; then
      if [ "$1" = down ]; then redis_stop "$DIR"; else redis_launch "$DIR" || die "redis-server did not start again"; fi
    elif [ "$1" = down ]; then
      # fast, not immediate: `up` must find every commit, and with
      # synchronous_commit off an immediate stop drops the last ones (a
      # user created just before `down` was gone after `up`).
      as_owner "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w -t "$WAIT_SECONDS" stop >/dev/null
    else
      as_owner "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t "$WAIT_SECONDS" start >/dev/null
    fi
    ;;
  *) die "usage: server.sh start postgres|mariadb|redis <dir> | stop|down|up <dir>" ;;
esac
