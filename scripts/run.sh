#!/usr/bin/env bash
# The run command: installs the embedded engine, builds ewom and starts the
# service on the embedded defaults (NATS and ClickHouse in-process, data in
# ./data). Pass a config file to use your own: scripts/run.sh my.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_chdb
go build -o bin/ewom ./cmd/ewom
exec bin/ewom serve --config "${1:-deploy/ewom.example.yaml}"
