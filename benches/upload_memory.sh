#!/usr/bin/env bash
# Upload memory: eight 24 MiB documents uploaded at once through the API; the server's resident
# memory (VmRSS, and its peak VmHWM) before, at the peak, and after, against the size of the
# uploads themselves. Release build, SQLite with the demo data, loopback only.
#   bash benches/upload_memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
PORT=${PPP_BENCH_PORT:-8079}
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
PPP_DATABASE_URL="sqlite://$dir/upload.sqlite3" PPP_DEMO=1 PPP_UPLOAD_DIR="$dir/uploads" ROCKET_PORT=$PORT \
  ROCKET_LOG_LEVEL=off ./target/release/ppp-registry serve >"$dir/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.2; done
token=$(curl -s -H 'Content-Type: application/json' \
  --data '{"email": "officer.osh@demo.kg", "password": "demo-password"}' "$base/api/v1/auth/token" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
rss() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$server/status"; }
for i in $(seq 8); do
  { printf '%%PDF-1.7\n'; head -c $((24 * 1024 * 1024 - 9)) /dev/urandom; } >"$dir/doc$i.pdf"
done
before=$(rss VmRSS)
pids=()
for i in $(seq 8); do
  curl -s -o "$dir/answer$i.json" -w '%{http_code}\n' -H "Authorization: Bearer $token" \
    -F "meta={\"kind\": \"other\", \"title\": \"Приложение $i\", \"visibility\": \"internal\"}" \
    -F "file=@$dir/doc$i.pdf;type=application/pdf" "$base/api/v1/projects/2/documents" >"$dir/status$i" &
  pids+=($!)
done
wait "${pids[@]}"
sleep 1
after=$(rss VmRSS)
peak=$(rss VmHWM)
echo "statuses: $(cat "$dir"/status* | sort | uniq -c | tr '\n' ' ')"
echo "uploads: 8 x 24 MiB = 192 MiB"
echo "server RSS before: $((before / 1024)) MiB; peak: $((peak / 1024)) MiB; after: $((after / 1024)) MiB"
