#!/usr/bin/env bash
# Runs the socialweb.coop ActivityPub conformance suite (npm activitypub-testing)
# against a Kontor started on loopback, and prints one line per test with its
# outcome. Needs Node 20+ and the npm registry; not part of `go test ./...`.
#
#   bash interop/activitypub-testing.sh
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-18099}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/kontor" ./cmd/kontor
export KONTOR_LISTEN=127.0.0.1:$port KONTOR_HOST=127.0.0.1:$port KONTOR_PROTOCOL=http
export KONTOR_DATABASE="sqlite://$work/kontor.db" KONTOR_MEDIA_DIR="$work/media" KONTOR_LOG_LEVEL=warn
"$work/kontor" serve >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
"$work/kontor" admin account create --username alice --email alice@example.com >/dev/null
npx -y activitypub-testing@0.16.1 test actor "http://127.0.0.1:$port/users/alice" 2>/dev/null \
  | node -e '
let failed = 0;
require("readline").createInterface({input: process.stdin}).on("line", l => {
  try {
    const a = JSON.parse(l);
    console.log(a.result.outcome.padEnd(13), a.test.slug);
    if (a.result.outcome === "failed") failed++;
  } catch {}
}).on("close", () => process.exit(failed ? 1 : 0));'
