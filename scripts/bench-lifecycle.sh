#!/usr/bin/env bash
# End-to-end benchmarks of the lifecycle commands against `cxda sandbox`, both release
# builds, over loopback, rate limits off on both sides (the sandbox's default 100/min and a
# profile's own pacing would measure the limit, not cxda):
#
#   1. `cxda list --json` of 10,000 cxone-v2 actions (100 pages)       target <= 2 s
#   2. `cxda list --json` of 10,000 genesys-cloud actions (100 pages)  target <= 2 s
#   3. `cxda pull --all DIR` of 1,000 actions, default concurrency (4) target <= 5 s
#   4. `cxda push` of those 1,000 files, all unchanged (a read each), default concurrency
#   5. `cxda diff` of 100 of them (one after another)
#
# Each timed command runs RUNS times (default 3); the best and the median are printed.
# Usage: scripts/bench-lifecycle.sh     (env: LISTED=10000 PULLED=1000 RUNS=3)
# Needs bash, coreutils (GNU date), awk, sort. The sandboxes it starts are stopped on exit,
# and its temp dir is removed.
set -euo pipefail
cd "$(dirname "$0")/.."

LISTED=${LISTED:-10000}
PULLED=${PULLED:-1000}
RUNS=${RUNS:-3}

echo "== building the release binary"
timeout 900 cargo build --release --quiet
BIN=$PWD/target/release/cxda

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cxda-bench-lifecycle.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# start_sandbox NAME : `cxda sandbox --rate-limit off` on a free port; sets SANDBOX_URL.
start_sandbox() {
    "$BIN" sandbox --addr 127.0.0.1:0 --rate-limit off >"$WORK/$1.out" 2>"$WORK/$1.err" &
    PIDS+=($!)
    for _ in $(seq 1 100); do
        if SANDBOX_URL=$(sed -n 's/^sandbox listening on //p' "$WORK/$1.out" 2>/dev/null) &&
            [ -n "$SANDBOX_URL" ]; then
            return 0
        fi
        sleep 0.1
    done
    echo "the sandbox did not start within 10 s:" >&2
    cat "$WORK/$1.err" >&2
    exit 1
}

# write_config FILE URL API : a profile `bench` on the sandbox, rate limit off.
write_config() {
    {
        echo 'default_profile = "bench"'
        echo
        echo '[profiles.bench]'
        echo "api = \"$3\""
        echo "token_url = \"$2/oauth/token\""
        echo "api_base_url = \"$2\""
        echo 'client_id = "sandbox"'
        echo 'client_secret = "sandbox-secret"'
        if [ "$3" = genesys-cloud ]; then
            echo 'integration_id = "8a1f2c3d-0000-4000-8000-000000c0da01"'
        fi
        echo 'rate_limit = "off"'
    } >"$1"
    chmod 600 "$1"
}

# seed DIR COUNT API : COUNT payload files of API, then `cxda submit` them (16 at once).
seed() {
    mkdir -p "$1"
    local i
    for i in $(seq -w 1 "$2"); do
        if [ "$3" = cxone-v2 ]; then
            printf '{"name":"seed-%s","type":"REST","configuration":{"method":"GET","url":"https://inventory.example.com/stock/%s"}}\n' \
                "$i" "$i" >"$1/p$i.json"
        else
            printf '{"name":"seed-%s","category":"bench","secure":false,"contract":{"input":{"inputSchema":{"type":"object","properties":{"id":{"type":"string"}}}},"output":{"successSchema":{"type":"object","properties":{}}}},"config":{"request":{"requestUrlTemplate":"https://api.example.com/items/$esc.url(${input.id})","requestType":"GET","headers":{},"requestTemplate":"${input.rawRequest}"},"response":{"translationMap":{},"translationMapDefaults":{},"successTemplate":"${rawResult}"}}}\n' \
                "$i" >"$1/p$i.json"
        fi
    done
    # A directory's glob can pass ARG_MAX at 10,000 files: xargs splits it.
    find "$1" -name 'p*.json' -print0 | sort -z |
        timeout 600 xargs -0 "$BIN" --data-dir "$WORK/data-seed" submit --concurrency 16 \
            >"$WORK/seed.lines" 2>"$WORK/seed.err" || true
    local created
    created=$(grep -c ': created ' "$WORK/seed.lines" || true)
    if [ "$created" -ne "$2" ]; then
        echo "seeding created $created of $2:" >&2
        head -n 5 "$WORK/seed.err" "$WORK/seed.lines" >&2
        exit 1
    fi
}

now_ns() { date +%s%N; }

# timed LABEL TARGET_S CMD... : runs CMD RUNS times; prints the best and median seconds.
timed() {
    local label=$1 target=$2
    shift 2
    local times=() start end
    for _ in $(seq 1 "$RUNS"); do
        start=$(now_ns)
        "$@"
        end=$(now_ns)
        times+=($((end - start)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" -v target="$target" '
        { t[NR] = $1 / 1e9 }
        END { printf "%s: best %.3f s, median %.3f s over %d runs (target %s)\n", label, t[1], t[int((NR + 1) / 2)], NR, target }'
}

list_quiet() { "$BIN" --data-dir "$WORK/data" list --json >"$WORK/list.json"; }

echo "== 1. cxda list of $LISTED cxone-v2 actions"
start_sandbox cxone
write_config "$WORK/cxone.toml" "$SANDBOX_URL" cxone-v2
export CXDA_CONFIG=$WORK/cxone.toml
seed "$WORK/cxone" "$LISTED" cxone-v2
timed "list $LISTED (cxone-v2)" "<= 2 s" list_quiet
echo "listed $(grep -o '"id"' "$WORK/list.json" | wc -l) actions"

echo "== 2. cxda list of $LISTED genesys-cloud actions"
start_sandbox genesys
write_config "$WORK/genesys.toml" "$SANDBOX_URL" genesys-cloud
export CXDA_CONFIG=$WORK/genesys.toml
seed "$WORK/genesys" "$LISTED" genesys-cloud
timed "list $LISTED (genesys-cloud)" "<= 2 s" list_quiet
echo "listed $(grep -o '"id"' "$WORK/list.json" | wc -l) actions"

echo "== 3. cxda pull --all of $PULLED actions (default concurrency)"
start_sandbox pull
write_config "$WORK/pull.toml" "$SANDBOX_URL" cxone-v2
export CXDA_CONFIG=$WORK/pull.toml
seed "$WORK/pull-seed" "$PULLED" cxone-v2
pull_all() {
    rm -rf "$WORK/pulled"
    "$BIN" --data-dir "$WORK/data" pull --all "$WORK/pulled" >/dev/null 2>&1
}
timed "pull --all $PULLED" "<= 5 s" pull_all
echo "pulled $(find "$WORK/pulled" -name '*.json' | wc -l) files"

echo "== 4. cxda push of the $PULLED pulled files, all unchanged (default concurrency)"
push_all() {
    find "$WORK/pulled" -name '*.json' -print0 |
        xargs -0 "$BIN" --data-dir "$WORK/data" push >"$WORK/push.lines" 2>&1
}
timed "push $PULLED unchanged" "no target; a read each" push_all
echo "unchanged: $(grep -c ': unchanged ' "$WORK/push.lines" || true) of $PULLED"

echo "== 5. cxda diff of 100 pulled files"
diff_some() {
    find "$WORK/pulled" -name '*.json' | sort | sed -n '1,100p' | tr '\n' '\0' |
        xargs -0 "$BIN" --data-dir "$WORK/data" diff >"$WORK/diff.lines" 2>&1
}
timed "diff 100" "no target" diff_some
echo "equal: $(grep -c ': equal to ' "$WORK/diff.lines" || true) of 100"
