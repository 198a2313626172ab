#!/usr/bin/env bash
# Runs a command against a throwaway database server (tests/db/server.sh):
#
#   tests/db/with_server.sh postgres|mariadb|redis -- <cmd…>
#
# The command sees the server's URL in AISBF_TEST_POSTGRES_URL,
# AISBF_TEST_MYSQL_URL or AISBF_TEST_REDIS_URL, its directory in AISBF_TEST_DB_DIR, and
# AISBF_DB_TEMPLATE, which makes the servers it starts itself quicker. The server is stopped and its
# temp dir removed when the command ends, fails or is interrupted. The
# command runs under `timeout` (AISBF_DB_TEST_SECONDS, default 150) so the
# server is stopped even when a test hangs, before ctest's own timeout fires.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 3 ] || [ "$2" != -- ]; then
  echo "usage: with_server.sh postgres|mariadb|redis -- <cmd…>" >&2
  exit 2
fi
kind=$1
shift 2
case "$kind" in
  postgres) var=AISBF_TEST_POSTGRES_URL ;;
  mariadb) var=AISBF_TEST_MYSQL_URL ;;
  redis) var=AISBF_TEST_REDIS_URL ;;
  *) echo "with_server.sh: unknown server kind: $kind" >&2; exit 2 ;;
esac

# <parent>/server for the server, <parent>/template for the fresh data
# directory that scratch servers started by the tests copy (server.sh).
parent=$(mktemp -d "${TMPDIR:-/tmp}/aisbf-$kind.XXXXXX")
chmod 711 "$parent"  # PostgreSQL runs as `postgres` when we are root
dir=$parent/server
child=""
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  [ -z "$child" ] || kill -TERM "$child" 2>/dev/null || true
  "$here/server.sh" stop "$dir"
  rm -rf -- "$parent"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export AISBF_DB_TEMPLATE=$parent/template
url=$("$here/server.sh" start "$kind" "$dir")
export "$var=$url" AISBF_TEST_DB_DIR="$dir"
# In the background, so that a signal to this script runs the trap at once
# (bash runs traps only between foreground commands).
timeout --kill-after=5 "${AISBF_DB_TEST_SECONDS:-150}" "$@" &
child=$!
status=0
wait "$child" || status=$?
child=""
exit "$status"
