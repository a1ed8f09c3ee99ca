#!/usr/bin/env bash
# Runs the clients written in other languages (here: Node 20, no package) against a freshly started
# `orchestrator serve` on 127.0.0.1 (a port the OS picks) with the embedded emulator and a throwaway journal.
# Usage: tests/clients/run.sh   (from anywhere; needs dotnet and node)
# Prints "clients: N passed, N failed" last; exits non-zero when any test fails or the node does not start.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../node-tests-against-orchestrator.sh"

build_orchestrator node
data="$(mktemp -d)"
cleanup_paths+=("$data")
# The embedded emulator: no key, no endpoint, the default SQLite journal in the throwaway data directory.
unset OPENAI_API_KEY OPENAI_BASE_URL ORCHESTRATOR_JOURNAL ORCHESTRATOR_POSTGRES ORCHESTRATOR_API_TOKEN
# serve prints "listening on http://127.0.0.1:PORT · …" once it serves.
start_orchestrator node 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' serve --urls http://127.0.0.1:0 --data "$data"

cd "$here"
run_node_tests clients client ORCHESTRATOR_URL="$server_url"
