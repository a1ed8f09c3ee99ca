#!/usr/bin/env bash
# Runs the conformance tests against a freshly started emulator on 127.0.0.1 (a port the OS picks).
# Usage: tests/conformance/run.sh   (from anywhere; needs dotnet, node and npm)
# Prints "N passed, N failed" last; exits non-zero when any test fails or the emulator does not start.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed" >&2; exit 1; }
dotnet build "$root/src/Orchestrator" -c Release -v q -nologo >/dev/null || { echo "building the emulator failed" >&2; exit 1; }

log="$(mktemp)"
dotnet "$root/src/Orchestrator/bin/Release/net10.0/orchestrator.dll" emulator --host 127.0.0.1 --port 0 >"$log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null; rm -f "$log"' EXIT

# The emulator prints its base URL once it listens; wait for that line (bounded, no fixed sleep as a guess).
base_url=""
for _ in $(seq 1 300); do
  base_url="$(sed -n 's/.*base URL \(http:\/\/127\.0\.0\.1:[0-9]*\/v1\).*/\1/p' "$log")"
  [ -n "$base_url" ] && break
  kill -0 "$emulator" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$base_url" ]; then
  echo "the emulator did not start:" >&2
  cat "$log" >&2
  exit 1
fi

cd "$here"
report="$(mktemp)"
EMULATOR_BASE_URL="$base_url" OPENAI_AGENTS_DISABLE_TRACING=1 timeout 300 \
  node --test --test-timeout=120000 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$report" ./*.test.mjs
status=$?
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$report")
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$report")
rm -f "$report"
echo "conformance: ${passed:-0} passed, ${failed:-0} failed"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "${passed:-0}" -eq 0 ]; then echo "no conformance test ran" >&2; exit 1; fi
exit 0
