#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh Debian machine
# (ClickHouse server package, the chDB library, Chromium, Prometheus tools),
# then vets, checks for known vulnerabilities (skipped where govulncheck's
# database cannot be reached) and runs every test. Tests start their own
# servers on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_test_deps
echo "== go vet" >&2
go vet ./...
scripts/vulncheck.sh
echo "== go test" >&2
go test ./... -count=1 -timeout 25m "$@"
