#!/usr/bin/env bash
# Runs the conformance tests against a freshly started emulator on 127.0.0.1 (a port the OS picks).
# Usage: tests/conformance/run.sh   (from anywhere; needs dotnet, node and npm)
# Prints "conformance: N passed, N failed" last; exits non-zero when any test fails or the emulator does not start.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../node-tests-against-orchestrator.sh"

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed" >&2; exit 1; }
build_orchestrator emulator
# The emulator prints its base URL once it listens.
start_orchestrator emulator 's/.*base URL \(http:\/\/127\.0\.0\.1:[0-9]*\/v1\).*/\1/p' emulator --host 127.0.0.1 --port 0

cd "$here"
run_node_tests conformance conformance EMULATOR_BASE_URL="$server_url" OPENAI_AGENTS_DISABLE_TRACING=1
