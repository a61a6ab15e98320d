# Sourced by the scripts: installs missing system packages and libchdb.
# Root (or sudo) is needed for apt-get.

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "== installing ${missing[*]}" >&2
  $sudo apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# ensure_chdb installs libchdb.so and exports CHDB_LIB_PATH.
ensure_chdb() {
  command -v npm >/dev/null || apt_install npm
  CHDB_LIB_PATH="$(scripts/install-chdb.sh | tail -n 1)"
  export CHDB_LIB_PATH
}

ensure_test_deps() {
  # zookeeper: the one-node ClickHouse cluster test (Replicated tables need it on 18.16)
  apt_install clickhouse-server chromium prometheus prometheus-alertmanager zookeeper ca-certificates
  ensure_chdb
}
