#!/usr/bin/env bash
# Client-compatibility acceptance suite: drives a Kontor on loopback through
# masto.js (the library Elk and Phanpy are built on) the way those apps do,
# and prints one line per check. Exits non-zero when any check fails.
# Needs Node 20+ and the npm registry (for `npm ci` in interop/masto);
# not part of `go test ./...`.
#
#   bash interop/masto.sh                                   # SQLite
#   KONTOR_INTEROP_DIALECT=postgres bash interop/masto.sh   # a fresh PostgreSQL database
#
# PORT (default 18097) is the loopback port Kontor listens on; PG_HOST and
# PG_USER (default 127.0.0.1, postgres) the PostgreSQL server, as in .ci/run.
# MASTO_LOG=1 makes masto log its requests; KEEP_LOG=1 prints Kontor's log.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=${PORT:-18097}
dialect=${KONTOR_INTEROP_DIALECT:-sqlite}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_USER=${PG_USER:-postgres}
work=$(mktemp -d)
pid=
pgdb=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$pgdb" ]; then dropdb -h "$PG_HOST" -U "$PG_USER" --if-exists "$pgdb" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/kontor" ./cmd/kontor

case "$dialect" in
  sqlite) database="sqlite://$work/kontor.db" ;;
  postgres)
    pgdb="kontor_masto_$$"
    createdb -h "$PG_HOST" -U "$PG_USER" "$pgdb"
    database="postgres://$PG_USER@$PG_HOST:5432/$pgdb?sslmode=disable" ;;
  *) echo "KONTOR_INTEROP_DIALECT: want sqlite or postgres, not $dialect" >&2; exit 2 ;;
esac

export KONTOR_LISTEN=127.0.0.1:$port KONTOR_HOST=127.0.0.1:$port KONTOR_PROTOCOL=http
export KONTOR_DATABASE=$database KONTOR_MEDIA_DIR="$work/media" KONTOR_LOG_LEVEL=${KONTOR_LOG_LEVEL:-warn}
# The database is migrated once before serve and before the admin commands.
"$work/kontor" migrate up >/dev/null
"$work/kontor" serve >"$work/log" 2>&1 &
pid=$!
up=
for _ in $(seq 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then up=1; break; fi
  sleep 0.1
done
if [ -z "$up" ]; then echo "kontor did not start:" >&2; cat "$work/log" >&2; exit 1; fi

# Users through the admin CLI: alice signs in through OAuth in the suite,
# bob and carol use tokens from `kontor admin token create`.
alice_password="alice-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$alice_password" | "$work/kontor" admin account create --username alice --email alice@example.com --password-stdin >/dev/null
"$work/kontor" admin account create --username bob --email bob@example.com >/dev/null
"$work/kontor" admin account create --username carol --email carol@example.com >/dev/null
bob_token=$("$work/kontor" admin token create --username bob --scopes "read write follow push" | tail -n 1)
carol_token=$("$work/kontor" admin token create --username carol --scopes "read write follow push" | tail -n 1)

cd "$root/interop/masto"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
status=0
KONTOR_URL="http://127.0.0.1:$port" ALICE_PASSWORD="$alice_password" BOB_TOKEN="$bob_token" CAROL_TOKEN="$carol_token" \
  KONTOR_DIALECT="$dialect" node suite.mjs || status=$?
if [ "$status" -ne 0 ] || [ -n "${KEEP_LOG:-}" ]; then
  echo "--- kontor log (last 60 lines) ---"; tail -n 60 "$work/log"
fi
exit "$status"
