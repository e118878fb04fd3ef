#!/usr/bin/env bash
# Registry load run: the public project list and a search through HTTP, against a bare static
# route of the same app in the same run, with 100,000 generated projects, on SQLite and (when
# PPP_BENCH_DATABASE_URL names an empty PostgreSQL database) on PostgreSQL.
#   bash benches/registry.sh
# Needs wrk (installed from the system packages when missing). Loopback only; bounded runs.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { echo "install wrk first" >&2; exit 2; }; }
cargo build --release --quiet
PORT=${PPP_BENCH_PORT:-8077}
DURATION=${PPP_BENCH_SECONDS:-10}

run() {
  local label=$1 url=$2
  echo "== $label: filling the database"
  PPP_DATABASE_URL="$url" cargo bench --quiet --bench registry_data
  PPP_DATABASE_URL="$url" PPP_SECRET_KEY=$(printf 'ab%.0s' {1..32}) ROCKET_PORT=$PORT ROCKET_LOG_LEVEL=off \
    ./target/release/ppp-registry serve >/tmp/ppp-bench-server.log 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
  printf '%-44s %12s %10s\n' "route ($label)" "requests/s" "p99"
  for path in "/static/app.css" "/api/v1/projects?limit=50" "/api/v1/projects?q=%D0%BE%D1%81%D0%B2%D0%B5%D1%89&limit=50"; do
    out=$(wrk -t2 -c32 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    printf '%-44s %12s %10s\n' "$path" "$rps" "$p99"
  done
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
}

dir=$(mktemp -d)
run sqlite "sqlite://$dir/bench.sqlite3"
rm -rf "$dir"
if [ -n "${PPP_BENCH_DATABASE_URL:-}" ]; then
  run postgres "$PPP_BENCH_DATABASE_URL"
fi
