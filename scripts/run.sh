#!/usr/bin/env bash
# The run command: installs the embedded engine, builds ewom and starts the
# demo on the embedded defaults (NATS and ClickHouse in-process): a generated
# week of eWOM with a delivery crisis goes through the real pipeline, then the
# service keeps serving at http://127.0.0.1:8080/ until Ctrl-C.
# Pass a config file to run the service on your own config instead:
#   scripts/run.sh my.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_chdb
go build -o bin/ewom ./cmd/ewom
if [[ $# -gt 0 ]]; then
  exec bin/ewom serve --config "$1"
fi
exec bin/ewom demo
