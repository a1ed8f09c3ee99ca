#!/usr/bin/env bash
# Runs the clients written in other languages (here: Node 20, no package) against a freshly started
# `orchestrator serve` on 127.0.0.1 (a port the OS picks) with the embedded emulator and a throwaway journal.
# Usage: tests/clients/run.sh   (from anywhere; needs dotnet and node)
# Prints "clients: N passed, N failed" last; exits non-zero when any test fails or the node does not start.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

dotnet build "$root/src/Orchestrator" -c Release -v q -nologo >/dev/null || { echo "building the node failed" >&2; exit 1; }

data="$(mktemp -d)"
out="$(mktemp)"
# The embedded emulator: no key, no endpoint, the default SQLite journal in the throwaway data directory.
env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u ORCHESTRATOR_JOURNAL -u ORCHESTRATOR_POSTGRES -u ORCHESTRATOR_API_TOKEN \
  dotnet "$root/src/Orchestrator/bin/Release/net10.0/orchestrator.dll" serve --urls http://127.0.0.1:0 --data "$data" >"$out" 2>"$out.err" &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null; rm -rf "$data" "$out" "$out.err"' EXIT

# serve prints "listening on http://127.0.0.1:PORT · …" once it serves; wait for that line (bounded).
url=""
for _ in $(seq 1 600); do
  url="$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$out")"
  [ -n "$url" ] && break
  kill -0 "$node_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "the node did not start:" >&2
  cat "$out" "$out.err" >&2
  exit 1
fi

cd "$here"
report="$(mktemp)"
ORCHESTRATOR_URL="$url" timeout 300 \
  node --test --test-timeout=120000 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$report" ./*.test.mjs
status=$?
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$report")
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$report")
rm -f "$report"
echo "clients: ${passed:-0} passed, ${failed:-0} failed"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "${passed:-0}" -eq 0 ]; then echo "no client test ran" >&2; exit 1; fi
exit 0
