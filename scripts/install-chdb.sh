#!/usr/bin/env bash
# Installs libchdb.so (the ClickHouse engine as a library, Apache-2.0) for the
# embedded store, from the npm registry's @chdb/lib-linux-x64-gnu package.
# Usage: scripts/install-chdb.sh [DEST_DIR]   (default ~/.local/lib/ewom)
# Prints the library path on the last line.
set -euo pipefail
version="${CHDB_VERSION:-26.7.3-stable.1}"
dest="${1:-${EWOM_CHDB_DIR:-$HOME/.local/lib/ewom}}"
lib="$dest/libchdb.so"
marker="$dest/libchdb.version"
if [[ -f "$lib" && -f "$marker" && "$(cat "$marker")" == "$version" ]]; then
  echo "$lib"
  exit 0
fi
command -v npm >/dev/null || { echo "install-chdb: npm is needed to fetch the library (apt-get install npm)" >&2; exit 1; }
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "install-chdb: fetching @chdb/lib-linux-x64-gnu@$version (~180 MB)…" >&2
(cd "$work" && npm pack --silent "@chdb/lib-linux-x64-gnu@$version" >/dev/null)
tar -xzf "$work"/chdb-lib-linux-x64-gnu-*.tgz -C "$work" package/libchdb.so
mv "$work/package/libchdb.so" "$lib.tmp"
mv "$lib.tmp" "$lib"
echo "$version" > "$marker"
echo "$lib"
