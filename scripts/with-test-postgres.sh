#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server for the store tests (STACK.md recipe):
#   scripts/with-test-postgres.sh pytest ...
# Exports SOFTSTEP_TEST_POSTGRES=postgresql+psycopg://app@127.0.0.1:PORT/postgres, then stops the
# server and deletes its folder. An already set SOFTSTEP_TEST_POSTGRES is used as it is. Without
# a PostgreSQL server installed the command runs on SQLite only (under CI=true the tests fail).
set -euo pipefail

if [[ -n "${SOFTSTEP_TEST_POSTGRES:-}" ]]; then
  exec "$@"
fi
initdb=$(command -v initdb || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
if [[ -z "$initdb" ]]; then
  echo "PostgreSQL server not installed: the store tests run on SQLite only" >&2
  exec "$@"
fi
bin=$(dirname "$initdb")

dir=$(mktemp -d -t softstep-pg.XXXXXX)
as_owner=()
if [[ $(id -u) -eq 0 ]]; then  # PostgreSQL refuses to run as root
  owner=$(id -u postgres >/dev/null 2>&1 && echo postgres || echo nobody)
  chown "$owner" "$dir"
  as_owner=(runuser -u "$owner" --)
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U app --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
echo "test PostgreSQL server on 127.0.0.1:$port" >&2

export SOFTSTEP_TEST_POSTGRES="postgresql+psycopg://app@127.0.0.1:$port/postgres"
status=0
"$@" || status=$?
exit "$status"
