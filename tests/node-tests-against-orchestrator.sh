# Sourced by tests/conformance/run.sh and tests/clients/run.sh: what both do to run a folder of Node tests against a
# server of the orchestrator's Release build, started on 127.0.0.1 with a port the OS picks and stopped on exit.
# Each step that fails prints why on stderr and exits the script.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
server_pid=""
server_log="$(mktemp)"
# Files and folders removed on exit; a caller adds its own.
cleanup_paths=("$server_log")
trap 'if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi; rm -rf "${cleanup_paths[@]}"' EXIT

# build_orchestrator WHAT: the Release build of src/Orchestrator; WHAT names it in the error.
build_orchestrator() {
  dotnet build "$root/src/Orchestrator" -c Release -v q -nologo >/dev/null || { echo "building the $1 failed" >&2; exit 1; }
}

# start_orchestrator WHAT SED_EXPRESSION ARGS...: starts `orchestrator ARGS...` and waits (bounded, no fixed sleep as a
# guess) until its output has the line the sed expression prints: the URL it serves, left in server_url.
start_orchestrator() {
  local what=$1 url_line=$2
  shift 2
  dotnet "$root/src/Orchestrator/bin/Release/net10.0/orchestrator.dll" "$@" >"$server_log" 2>&1 &
  server_pid=$!
  server_url=""
  for _ in $(seq 1 600); do
    server_url="$(sed -n "$url_line" "$server_log")"
    [ -n "$server_url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$server_url" ]; then
    echo "the $what did not start:" >&2
    cat "$server_log" >&2
    exit 1
  fi
}

# run_node_tests LABEL NOUN [NAME=VALUE...]: Node's test runner over ./*.test.mjs of the current folder, with the
# variables given; prints "LABEL: N passed, N failed" last and exits non-zero when a test failed or none ran.
run_node_tests() {
  local label=$1 noun=$2 report status passed failed
  shift 2
  report="$(mktemp)"
  cleanup_paths+=("$report")
  env "$@" timeout 300 \
    node --test --test-timeout=120000 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$report" ./*.test.mjs
  status=$?
  passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$report")
  failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$report")
  echo "$label: ${passed:-0} passed, ${failed:-0} failed"
  if [ "$status" -ne 0 ]; then exit "$status"; fi
  if [ "${passed:-0}" -eq 0 ]; then echo "no $noun test ran" >&2; exit 1; fi
  exit 0
}
