#!/usr/bin/env bash
# End-to-end measurements of the studio (issue 4), release build, in a tmux harness:
#
#   a. launch -> first full frame (`cxda` on the embedded sandbox, 120x40; the marker is the
#      status bar's key hints, the last row drawn)            target <= 20 ms
#   b. idle RSS of the cxda process ~2 s after the first frame, the sandbox started
#                                                             target <= 14 MiB
#   c. keystroke -> the character on screen, 200 KB and 1 MiB payloads open, live checks on
#      (a character typed at 1:1 and erased again; each keystroke timed)
#                                                             target <= 8 ms
#   d. at 1 MiB, keystroke -> that revision's checks on screen (a character that breaks the
#      JSON -> `1:1 error` in the Checks pane; its removal -> `no problems`)
#                                                             target <= 50 ms
#
# Every figure is read against the harness floor measured the same way with a trivial
# program (a: `printf` of a marker; c: the tty echoing a character for `cat`): tmux
# send-keys and capture-pane are processes of their own, polled in a loop.
#
# Usage: scripts/bench-tui.sh        (env: LAUNCH_RUNS=20 KEY_RUNS=50 CHECK_RUNS=10)
# Needs bash >= 5 (EPOCHREALTIME), coreutils, awk and tmux (installed with apt-get if
# missing). Every wait is bounded; the tmux server (its own socket) and the temp dir are
# removed on exit. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."

LAUNCH_RUNS=${LAUNCH_RUNS:-20}
KEY_RUNS=${KEY_RUNS:-50}
CHECK_RUNS=${CHECK_RUNS:-10}
COLS=120
ROWS=40
WAIT_US=10000000 # 10 s for any single wait

if [ -z "${EPOCHREALTIME:-}" ]; then
    echo "bench-tui.sh needs bash >= 5 (EPOCHREALTIME)" >&2
    exit 2
fi

if ! command -v tmux >/dev/null 2>&1; then
    echo "== tmux is not installed; installing it with apt-get (the harness needs it)"
    if command -v apt-get >/dev/null 2>&1; then
        SUDO=""
        [ "$(id -u)" -ne 0 ] && SUDO=sudo
        $SUDO apt-get update -qq && $SUDO apt-get install -y -qq tmux
    fi
    command -v tmux >/dev/null 2>&1 || {
        echo "tmux is required and could not be installed; install it and re-run" >&2
        exit 2
    }
fi

echo "== building the release binary"
timeout 900 cargo build --release --quiet
BIN=$PWD/target/release/cxda

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cxda-bench-tui.XXXXXX")
SOCK="cxda-bench-$$"
T() { tmux -L "$SOCK" "$@"; }
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# A session that lives for the whole run, so that the tmux server's start-up is not in any
# figure.
T -f /dev/null new-session -d -s keep -x "$COLS" -y "$ROWS" "sleep 3600"

now_us() { echo "${EPOCHREALTIME/./}"; }

# median FILE : the median of the numbers (microseconds) in FILE, as milliseconds.
median() {
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "n/a"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f ms (min %.2f, max %.2f, n=%d)", m / 1000, v[1] / 1000, v[NR] / 1000, NR }'
}

# wait_screen SESSION PATTERN [START_ROW END_ROW] : polls capture-pane until the (fixed)
# PATTERN is on screen; fails after WAIT_US.
wait_screen() {
    local s=$1 pat=$2 start
    local range=()
    [ $# -ge 4 ] && range=(-S "$3" -E "$4")
    start=$(now_us)
    until T capture-pane -p -t "$s" "${range[@]}" 2>/dev/null | grep -qF -- "$pat"; do
        if (($(now_us) - start > WAIT_US)); then
            echo "timed out waiting for '$pat' in $s; the screen:" >&2
            T capture-pane -p -t "$s" >&2 || true
            exit 1
        fi
    done
}

# wait_gone SESSION PATTERN START_ROW END_ROW : until PATTERN is no longer in those rows.
wait_gone() {
    local s=$1 pat=$2 start
    start=$(now_us)
    while T capture-pane -p -t "$s" -S "$3" -E "$4" 2>/dev/null | grep -qF -- "$pat"; do
        if (($(now_us) - start > WAIT_US)); then
            echo "timed out waiting for '$pat' to go in $s; the screen:" >&2
            T capture-pane -p -t "$s" >&2 || true
            exit 1
        fi
    done
}

# The studio on the embedded sandbox, nothing configured, a fresh HOME and data dir.
studio_cmd() { # [FILE]
    local home
    home=$(mktemp -d "$WORK/home.XXXXXX")
    printf 'exec env -u CXDA_CONFIG -u CXDA_DATA_DIR -u CXDA_PROFILE -u CXONE_CLIENT_ID HOME=%q XDG_CONFIG_HOME=%q XDG_DATA_HOME=%q TERM=xterm-256color %q --data-dir %q %s' \
        "$home" "$home/.config" "$home/.local/share" "$BIN" "$home/data" "${1:+$(printf %q "$1")}"
}

# payload FILE BYTES : a valid payload of about BYTES (the shape of benches/checks.rs).
payload() {
    awk -v size="$2" 'BEGIN {
        printf "{\n  \"name\": \"BulkInventory\",\n  \"description\": \"generated for bench-tui\",\n"
        printf "  \"type\": \"REST\",\n  \"configuration\": {\n    \"body\": ["
        len = 0
        for (i = 0; len < size - 400; i++) {
            item = sprintf("{\"sku\": \"SKU-%06d\", \"qty\": %d, \"price\": %d.%02d, \"tags\": [\"a\", \"b%d\"], \"ok\": true, \"note\": \"line\\nbreak\"}", i, i % 97, i % 1000, i % 100, i)
            printf "%s%s", (i ? ",\n" : ""), item
            len += length(item) + 2
        }
        printf "],\n    \"method\": \"GET\",\n    \"url\": \"https://inventory.example.com/api/v2/stock\",\n"
        printf "    \"timeout\": 3000,\n    \"headers\": { \"X-API-Key\": \"{{key}}\" }\n  },\n  \"tags\": [\"inventory\"]\n}\n"
    }' >"$1"
}

MARKER="Ctrl+Q quit"

# ---------------------------------------------------------------------------------------
echo "== a. launch -> first full frame ($LAUNCH_RUNS runs, ${COLS}x${ROWS})"
: >"$WORK/floor-launch" && : >"$WORK/launch"
for i in $(seq 1 "$LAUNCH_RUNS"); do
    t0=$(now_us)
    T new-session -d -s "f$i" -x "$COLS" -y "$ROWS" "printf 'floor marker $MARKER'; sleep 60"
    wait_screen "f$i" "$MARKER"
    echo $(($(now_us) - t0)) >>"$WORK/floor-launch"
    T kill-session -t "f$i"

    cmd=$(studio_cmd)
    t0=$(now_us)
    T new-session -d -s "l$i" -x "$COLS" -y "$ROWS" "$cmd"
    wait_screen "l$i" "$MARKER"
    echo $(($(now_us) - t0)) >>"$WORK/launch"
    T send-keys -t "l$i" C-q
    sleep 0.2
    T kill-session -t "l$i" 2>/dev/null || true
done
echo "   harness floor (printf):  $(median "$WORK/floor-launch")"
echo "   cxda first full frame:   $(median "$WORK/launch")"

# ---------------------------------------------------------------------------------------
echo "== b. idle RSS (first frame up, sandbox started, ~2 s idle)"
T new-session -d -s rss -x "$COLS" -y "$ROWS" "$(studio_cmd)"
wait_screen rss "$MARKER"
wait_screen rss "token:"
sleep 2
pid=$(T display-message -p -t rss '#{pane_pid}')
if [ -r "/proc/$pid/status" ] && grep -q '^Name:.*cxda' "/proc/$pid/status"; then
    awk '/^VmRSS|^VmHWM|^Threads/ { printf "   %-8s %s %s\n", $1, $2, $3 }' "/proc/$pid/status"
    awk '/^VmRSS/ { printf "   idle RSS: %.2f MiB\n", $2 / 1024 }' "/proc/$pid/status"
else
    echo "   could not find the cxda process (pane pid $pid)" >&2
fi
T send-keys -t rss C-q
sleep 0.2
T kill-session -t rss 2>/dev/null || true

# ---------------------------------------------------------------------------------------
# keystrokes SESSION OUT : KEY_RUNS keystrokes alternating `x` typed at 1:1 (row 1 shows
# ` 1 x{`) and Backspace (row 1 shows ` 1 {` again), each timed to the screen.
keystrokes() {
    local s=$1 out=$2 t0
    for _ in $(seq 1 $((KEY_RUNS / 2))); do
        t0=$(now_us)
        T send-keys -t "$s" x
        wait_screen "$s" " 1 x{" 1 1
        echo $(($(now_us) - t0)) >>"$out"
        t0=$(now_us)
        T send-keys -t "$s" BSpace
        wait_gone "$s" " 1 x{" 1 1
        echo $(($(now_us) - t0)) >>"$out"
    done
}

echo "== c. keystroke -> character on screen ($KEY_RUNS keystrokes each)"
: >"$WORK/floor-key"
T new-session -d -s fk -x "$COLS" -y "$ROWS" "stty icanon echo echoe; exec cat >/dev/null"
sleep 0.3
for _ in $(seq 1 $((KEY_RUNS / 2))); do
    t0=$(now_us)
    T send-keys -t fk x
    wait_screen fk "x" 0 0
    echo $(($(now_us) - t0)) >>"$WORK/floor-key"
    t0=$(now_us)
    T send-keys -t fk BSpace
    wait_gone fk "x" 0 0
    echo $(($(now_us) - t0)) >>"$WORK/floor-key"
done
T kill-session -t fk
echo "   harness floor (tty echo for cat): $(median "$WORK/floor-key")"

for size in 200K 1M; do
    bytes=$((${size%[KM]} * 1024))
    [ "${size: -1}" = M ] && bytes=$((${size%M} * 1024 * 1024))
    file="$WORK/payload-$size.json"
    payload "$file" "$bytes"
    : >"$WORK/key-$size"
    T new-session -d -s "k$size" -x "$COLS" -y "$ROWS" "$(studio_cmd "$file")"
    wait_screen "k$size" "$MARKER"
    wait_screen "k$size" "no problems"
    wait_screen "k$size" "token:"
    keystrokes "k$size" "$WORK/key-$size"
    echo "   cxda, $(wc -c <"$file" | awk '{ printf "%.0f KiB", $1 / 1024 }') payload: $(median "$WORK/key-$size")"
    if [ "$size" = 1M ]; then
        # d. that revision's checks on screen at 1 MiB.
        : >"$WORK/checks-break" && : >"$WORK/checks-fix"
        wait_screen "k$size" "no problems"
        for _ in $(seq 1 "$CHECK_RUNS"); do
            t0=$(now_us)
            T send-keys -t "k$size" x
            wait_screen "k$size" "1:1 error"
            echo $(($(now_us) - t0)) >>"$WORK/checks-break"
            t0=$(now_us)
            T send-keys -t "k$size" BSpace
            wait_screen "k$size" "no problems"
            echo $(($(now_us) - t0)) >>"$WORK/checks-fix"
        done
        echo "== d. keystroke -> that revision's checks on screen, 1 MiB ($CHECK_RUNS each)"
        echo "   break the JSON -> '1:1 error':  $(median "$WORK/checks-break")"
        echo "   fix it -> 'no problems':        $(median "$WORK/checks-fix")"
    fi
    T send-keys -t "k$size" C-q
    sleep 0.2
    T kill-session -t "k$size" 2>/dev/null || true
done
echo "== done (every figure includes the harness floor shown beside it)"
