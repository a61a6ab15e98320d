#!/usr/bin/env bash
# The fault suite's long version and the split-topology benchmark
# (docs/scaling.md, "Fault suite"). Each run starts three nats-server
# processes, a ClickHouse server and ewom split into api, two classify and an
# alert process on loopback, and stops them all when it ends.
#
#   scripts/faults.sh [--runs N] [--scenario NAMES] [--mentions N] [--keep DIR]
#   scripts/faults.sh --bench [--mentions N] [--keep DIR]
#
#   --runs N           runs of each scenario (default 1)
#   --scenario NAMES   comma-separated: classifier-kill, classifiers-kill,
#                      leader-kill, api-kill, clickhouse-down (default: all)
#   --mentions N       mentions imported per run (default 100,000)
#   --request-timeout D  client-side bound on one ingest request (default 15s)
#   --short            the short suite's settings (what `go test` runs)
#   --keep DIR         keep every process's data and log under DIR
#   --bench            the benchmark instead: stored rate against the
#                      cluster's R3 publish rate
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }

args=()
long=(-faults.long)
bench=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) args+=(-faults.runs "$2"); shift 2 ;;
    --scenario) args+=(-faults.scenario "$2"); shift 2 ;;
    --mentions) args+=(-faults.mentions "$2"); shift 2 ;;
    --request-timeout) args+=(-faults.request-timeout "$2"); shift 2 ;;
    --keep) mkdir -p "$2"; args+=(-faults.keep "$(cd "$2" && pwd)"); shift 2 ;;
    --short) long=(); shift ;;
    --bench) bench=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "faults.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

source scripts/deps.sh
apt_install clickhouse-server

if [[ -n "$bench" ]]; then
  exec go test ./internal/faults -run '^$' -bench '^BenchmarkSplit$' -benchtime 1x -count 1 -timeout 0 -args "${args[@]}"
fi
exec go test ./internal/faults -run '^TestFaults$' -count 1 -v -timeout 0 -args "${long[@]}" "${args[@]}"
