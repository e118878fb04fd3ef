#!/usr/bin/env bash
# Public computation under load: 16 callers send the most expensive sensitivity request the API
# accepts (a monthly model of 664 periods: 39,840 of the 40,000 period-evaluations allowed) for
# 15 seconds, first anonymously (held to 30 a minute per address), then signed in (not held to
# it: only the computation slots protect the server), while /health and the project list are
# measured in the same run, and once more without the load as their reference.
#   bash benches/compute_load.sh
# Needs wrk (installed from the system packages when missing) and python3. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { echo "install wrk first" >&2; exit 2; }; }
cargo build --release --quiet
PORT=${PPP_BENCH_PORT:-8078}
SECONDS_EACH=${PPP_BENCH_SECONDS:-15}
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT

python3 - "$dir" <<'PY'
import json, sys
model = json.load(open("src/domain/finance/toll_road_25y.json"))
model.update(periods_per_year=12, construction_periods=24, operation_periods=640)
model["capex_phasing"] = ["0.04"] * 23 + ["0.08"]
model["financing"]["tenor_periods"] = 216
body = json.dumps({"model": model, "output": "equity_irr"})
open(sys.argv[1] + "/body.json", "w").write(body)
open(sys.argv[1] + "/post.lua", "w").write(
    'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
    'local f = io.open("' + sys.argv[1] + '/body.json")\nwrk.body = f:read("*a")\nf:close()\n'
    'local token = os.getenv("PPP_TOKEN")\nif token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end\n')
PY

PPP_DATABASE_URL="sqlite://$dir/load.sqlite3" PPP_DEMO=1 ROCKET_PORT=$PORT ROCKET_LOG_LEVEL=off \
  ./target/release/ppp-registry serve >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done

base="http://127.0.0.1:$PORT"
status=$(curl -s -o "$dir/answer.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data @"$dir/body.json" "$base/api/v1/finance/sensitivity")
[ "$status" = 200 ] || { echo "the load request is not accepted ($status): $(head -c 300 "$dir/answer.json")" >&2; exit 1; }
token=$(curl -s -H 'Content-Type: application/json' \
  --data '{"email": "officer.osh@demo.kg", "password": "demo-password"}' "$base/api/v1/auth/token" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
single=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
  --data @"$dir/body.json" "$base/api/v1/finance/sensitivity")
echo "one sensitivity request alone: ${single}s"

# Measures /health and the list for the run's length; prints their p99s.
measure() {
  local label=$1
  wrk -t1 -c2 -d"${SECONDS_EACH}s" --latency "$base/health" >"$dir/health.txt" &
  local h=$!
  wrk -t1 -c2 -d"${SECONDS_EACH}s" --latency "$base/api/v1/projects?limit=50" >"$dir/list.txt" &
  local l=$!
  wait $h $l
  printf '%-34s /health p99 %8s   list p99 %8s\n' "$label" \
    "$(awk '$1 == "99%" {print $2}' "$dir/health.txt")" "$(awk '$1 == "99%" {print $2}' "$dir/list.txt")"
}

measure "no load (reference)"
for who in anonymous signed-in; do
  token_for_load=""
  [ "$who" = signed-in ] && token_for_load=$token
  PPP_TOKEN=$token_for_load wrk -t2 -c16 -d"${SECONDS_EACH}s" -s "$dir/post.lua" "$base/api/v1/finance/sensitivity" \
    >"$dir/load.txt" &
  load=$!
  sleep 0.5
  measure "16 $who callers of the sensitivity"
  wait $load
  printf '  the load: %s requests, %s/s; non-2xx: %s\n' \
    "$(awk '/requests in/ {print $1}' "$dir/load.txt")" "$(awk '/Requests\/sec/ {print $2}' "$dir/load.txt")" \
    "$(awk '/Non-2xx/ {print $NF}' "$dir/load.txt")"
  sleep 61  # the anonymous allowance's minute
done
