#!/usr/bin/env bash
# End-to-end benchmarks of `cxda submit` against `cxda sandbox`, both release builds, over
# loopback, with the durable audit history (every record fdatasync'd before it is reported).
#
#   1. throughput: 2,000 payloads, sandbox --rate-limit off, profile rate_limit "off",
#      --concurrency 16 -> created/s (target >= 1,000/s)
#   2. pacing: 300 payloads, sandbox --rate-limit 50/s -> goodput as % of the limit
#      (target >= 95 %) and the share of create responses that were 429 (target <= 1 %)
#   3. genesys-cloud throughput: the same as 1 on an `api = "genesys-cloud"` profile, each
#      create being draft -> validation -> publish (three requests) -> actions/s
#      (target >= 1,000/s)
#
# Usage: scripts/bench-e2e.sh            (env: BATCH=2000 PACED=300 LIMIT=50
#                                               PACED_PROFILE_RATE=50/s CONCURRENCY=16)
# Needs bash, coreutils (GNU date), awk and curl. Every step is bounded in time; the
# sandboxes it starts are stopped on exit, and its temp dir is removed.
set -euo pipefail
cd "$(dirname "$0")/.."

BATCH=${BATCH:-2000}
PACED=${PACED:-300}
LIMIT=${LIMIT:-50}
PACED_PROFILE_RATE=${PACED_PROFILE_RATE:-${LIMIT}/s}
CONCURRENCY=${CONCURRENCY:-16}

echo "== building the release binary"
timeout 900 cargo build --release --quiet
BIN=$PWD/target/release/cxda

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cxda-bench.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# start_sandbox NAME ARGS... : starts `cxda sandbox` on a free port; sets SANDBOX_URL.
start_sandbox() {
    local name=$1
    shift
    "$BIN" sandbox --addr 127.0.0.1:0 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PIDS+=($!)
    for _ in $(seq 1 100); do
        if SANDBOX_URL=$(sed -n 's/^sandbox listening on //p' "$WORK/$name.out" 2>/dev/null) &&
            [ -n "$SANDBOX_URL" ]; then
            return 0
        fi
        sleep 0.1
    done
    echo "the sandbox did not start within 10 s:" >&2
    cat "$WORK/$name.err" >&2
    exit 1
}

# write_config FILE URL RATE : a profile `bench` pointing at the sandbox.
write_config() {
    cat >"$1" <<EOF
default_profile = "bench"

[profiles.bench]
token_url = "$2/oauth/token"
api_base_url = "$2"
client_id = "sandbox"
client_secret = "sandbox-secret"
rate_limit = "$3"
EOF
    chmod 600 "$1"
}

# payloads DIR COUNT PREFIX : COUNT valid payloads with unique action names.
payloads() {
    mkdir -p "$1"
    local i
    for i in $(seq -w 1 "$2"); do
        printf '{"name":"%s-%s","type":"REST","configuration":{"method":"GET","url":"https://inventory.example.com/stock/%s","headers":{"X-API-Key":"{{key}}"}}}\n' \
            "$3" "$i" "$i" >"$1/p$i.json"
    done
}

# stat JSON KEY : a number from the sandbox's stats body (flat keys or "responses" codes).
stat() {
    printf '%s' "$1" | grep -o "\"$2\":[0-9]*" | head -n1 | cut -d: -f2 || true
}

now_ns() { date +%s%N; }

RUN_ID=$(date +%s)-$$

echo "== 1. throughput: $BATCH payloads, rate limit off, --concurrency $CONCURRENCY"
start_sandbox fast --rate-limit off
write_config "$WORK/fast.toml" "$SANDBOX_URL" off
payloads "$WORK/fast" "$BATCH" "bench-$RUN_ID"
start=$(now_ns)
CXDA_CONFIG=$WORK/fast.toml timeout 300 "$BIN" --data-dir "$WORK/data-fast" \
    submit --concurrency "$CONCURRENCY" "$WORK"/fast/*.json >"$WORK/fast.lines" 2>"$WORK/fast.progress" ||
    true
end=$(now_ns)
created=$(grep -c ': created ' "$WORK/fast.lines" || true)
records=$(wc -l <"$WORK/data-fast/audit.jsonl")
awk -v n="$created" -v total="$BATCH" -v ns=$((end - start)) -v rec="$records" 'BEGIN {
    s = ns / 1e9
    printf "created %d/%d in %.2f s -> %.0f created/s (target >= 1000/s); %d audit records\n", n, total, s, n / s, rec
}'

echo "== 2. pacing: $PACED payloads against --rate-limit $LIMIT/s (profile rate_limit \"$PACED_PROFILE_RATE\")"
start_sandbox paced --rate-limit "$LIMIT/s"
paced_url=$SANDBOX_URL
write_config "$WORK/paced.toml" "$paced_url" "$PACED_PROFILE_RATE"
payloads "$WORK/paced" "$PACED" "paced-$RUN_ID"
start=$(now_ns)
CXDA_CONFIG=$WORK/paced.toml timeout 300 "$BIN" --data-dir "$WORK/data-paced" \
    submit --concurrency "$CONCURRENCY" "$WORK"/paced/*.json >"$WORK/paced.lines" 2>"$WORK/paced.progress" ||
    true
end=$(now_ns)
created=$(grep -c ': created ' "$WORK/paced.lines" || true)
stats=$(curl -s --max-time 5 "$paced_url/_sandbox/stats")
creates=$(stat "$stats" create_requests)
r429=$(stat "$stats" 429)
# The sandbox's limit is a fixed one-second window aligned to the epoch, so a run that starts
# and ends part-way through a second can beat "limit x elapsed" (it gets the full budget of
# both end windows). Goodput is therefore measured against what the server could have
# admitted: the limit times the windows the run touched.
windows=$(( end / 1000000000 - start / 1000000000 + 1 ))
awk -v n="$created" -v total="$PACED" -v ns=$((end - start)) -v limit="$LIMIT" -v windows="$windows" \
    -v creates="${creates:-0}" -v r429="${r429:-0}" 'BEGIN {
    s = ns / 1e9
    rate = n / s
    share = creates > 0 ? 100 * r429 / creates : 0
    printf "created %d/%d in %.2f s (%.1f/s) across %d windows of 1 s -> goodput %.1f%% of the %d/s limit (target >= 95%%)\n", n, total, s, rate, windows, 100 * n / (limit * windows), limit
    printf "create requests %d, 429 responses %d -> %.2f%% (target <= 1%%)\n", creates, r429, share
}'
echo "sandbox stats: $stats"

echo "== 3. genesys-cloud throughput: $BATCH actions (draft, validation, publish), rate limit off, --concurrency $CONCURRENCY"
start_sandbox genesys --rate-limit off
cat >"$WORK/genesys.toml" <<EOF
default_profile = "bench"

[profiles.bench]
api = "genesys-cloud"
token_url = "$SANDBOX_URL/oauth/token"
api_base_url = "$SANDBOX_URL"
client_id = "sandbox"
client_secret = "sandbox-secret"
integration_id = "8a1f2c3d-0000-4000-8000-000000c0da01"
rate_limit = "off"
EOF
chmod 600 "$WORK/genesys.toml"
mkdir -p "$WORK/genesys"
for i in $(seq -w 1 "$BATCH"); do
    printf '{"name":"genesys-%s-%s","category":"bench","secure":false,"contract":{"input":{"inputSchema":{"type":"object","properties":{"id":{"type":"string"}}}},"output":{"successSchema":{"type":"object","properties":{}}}},"config":{"request":{"requestUrlTemplate":"https://api.example.com/items/$esc.url(${input.id})","requestType":"GET","headers":{},"requestTemplate":"${input.rawRequest}"},"response":{"translationMap":{},"translationMapDefaults":{},"successTemplate":"${rawResult}"}}}\n' \
        "$RUN_ID" "$i" >"$WORK/genesys/p$i.json"
done
start=$(now_ns)
CXDA_CONFIG=$WORK/genesys.toml timeout 300 "$BIN" --data-dir "$WORK/data-genesys" \
    submit --concurrency "$CONCURRENCY" "$WORK"/genesys/*.json >"$WORK/genesys.lines" 2>"$WORK/genesys.progress" ||
    true
end=$(now_ns)
created=$(grep -c ': created ' "$WORK/genesys.lines" || true)
records=$(wc -l <"$WORK/data-genesys/audit.jsonl")
awk -v n="$created" -v total="$BATCH" -v ns=$((end - start)) -v rec="$records" 'BEGIN {
    s = ns / 1e9
    printf "created %d/%d actions (3 requests each) in %.2f s -> %.0f actions/s (target >= 1000/s); %d audit records\n", n, total, s, n / s, rec
}'
if [ "$created" -lt "$BATCH" ]; then
    echo "not every action was created; the first lines:" >&2
    grep -v ': created ' "$WORK/genesys.lines" | head -n 3 >&2
fi
