#!/usr/bin/env bash
# End-to-end benchmark: a server under test beside the floor server, same run, same
# machine. See README.md.
#
#   benches/e2e/run.sh [options] [--] SERVER_CMD...
#
# SERVER_CMD is any command that serves Socket.IO v5 over WebSocket on 127.0.0.1.
# `{port}` in it is replaced by the port; without `{port}`, `--port PORT` is appended.
# The server's pid is found by who listens on the port, so wrappers such as
# `cargo run --release --example tokio_server` work (a built binary is better: no cargo
# process in between, and no build inside the measured run).
#
# Options:
#   --duration S   measured seconds per case (default 10)
#   --warmup S     seconds of load before measuring (default 1)
#   --idle N       idle connections (default 10000; 50000 needs RLIMIT_NOFILE > 50k)
#   --big          same as --idle 50000
#   --cases LIST   comma-separated subset of echo100,echo1000,idle,broadcast
#   --rounds K     run every case K times, alternating servers; the table shows each
#                  round (default 1)
#   --server-cpu C / --loadgen-cpu C   cores for taskset (default 0 and 1)
#   --raw FILE     also keep every RESULT line in FILE
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
duration=10 warmup=1 idle=10000 cases="echo100,echo1000,idle,broadcast" rounds=1
server_cpu=0 loadgen_cpu=1 raw=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --big) idle=50000; shift ;;
    --cases) cases=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --server-cpu) server_cpu=$2; shift 2 ;;
    --loadgen-cpu) loadgen_cpu=$2; shift 2 ;;
    --raw) raw=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ $# -gt 0 ]] || { echo "usage: $0 [options] [--] SERVER_CMD..." >&2; exit 2; }
sut=("$@")

echo "building the load generator and the floor server (release)..." >&2
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
loadgen="$here/target/release/loadgen"
floor=("$here/target/release/floor")

# As many file descriptors as we may have: idle connections need one each on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)

work=$(mktemp -d "${TMPDIR:-/tmp}/e2e.XXXXXX")
results="$work/results"
: >"$results"
server_pid="" starter_pid=""
cleanup() {
  stop_server
  [[ -n "$raw" ]] && cp "$results" "$raw"
  rm -rf "$work"
}
stop_server() {
  for p in $server_pid $starter_pid; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for p in $server_pid $starter_pid; do kill -0 "$p" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for p in $server_pid $starter_pid; do kill -9 "$p" 2>/dev/null || true; done
  [[ -n "$starter_pid" ]] && wait "$starter_pid" 2>/dev/null || true
  server_pid="" starter_pid=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 10000))
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}

# start_server NAME CMD... : starts it pinned, waits until it listens, sets server_pid.
start_server() {
  local name=$1; shift
  local port; port=$(free_port)
  local cmd=() has_port=0 a
  for a in "$@"; do
    [[ "$a" == *"{port}"* ]] && has_port=1
    cmd+=("${a//\{port\}/$port}")
  done
  [[ $has_port == 1 ]] || cmd+=(--port "$port")
  taskset -c "$server_cpu" "${cmd[@]}" >"$work/$name.out" 2>"$work/$name.err" &
  starter_pid=$!
  for _ in $(seq 600); do
    server_pid=$(ss -Hltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)
    [[ -n "$server_pid" ]] && break
    kill -0 "$starter_pid" 2>/dev/null || { echo "$name exited:"; tail -5 "$work/$name.err"; return 1; } >&2
    sleep 0.1
  done
  [[ -n "$server_pid" ]] || { echo "$name did not listen on $port within 60 s" >&2; return 1; }
  # taskset pins the starter; make sure the listener itself (and all its threads) is pinned.
  taskset -a -p -c "$server_cpu" "$server_pid" >/dev/null 2>&1 || true
  port_=$port
}

ip_slot=2
# run_case CASE NAME ROUND CMD...
run_case() {
  local case=$1 name=$2 round=$3; shift 3
  local args
  case "$case" in
    echo100) args=(echo --conns 100 --duration "$duration" --warmup "$warmup") ;;
    echo1000) args=(echo --conns 1000 --duration "$duration" --warmup "$warmup") ;;
    broadcast) args=(broadcast --receivers 1000 --inflight 8 --duration "$duration" --warmup "$warmup") ;;
    idle)
      if (( idle + 100 > nofile )); then
        echo "RESULT case=$case server=$name round=$round skipped=nofile_$nofile" >>"$results"
        echo "  $case/$name: skipped, RLIMIT_NOFILE is $nofile" >&2
        return
      fi
      local per_ip=10000 nips=$(( (idle + 9999) / 10000 ))
      (( ip_slot + nips > 254 )) && ip_slot=2
      args=(idle --conns "$idle" --per-ip "$per_ip" --first-ip "$ip_slot" --hold 2)
      ip_slot=$((ip_slot + nips))
      ;;
  esac
  start_server "$name" "$@" || {
    echo "RESULT case=$case server=$name round=$round error=start" >>"$results"; return; }
  echo "  $case / $name (round $round, pid $server_pid, port $port_)" >&2
  local line
  line=$(taskset -c "$loadgen_cpu" "$loadgen" "${args[@]}" --port "$port_" --pid "$server_pid" \
           2>"$work/loadgen.err" | grep '^RESULT' | tail -1) || true
  [[ -n "$line" ]] || line="RESULT error=1"
  grep -q 'error=' <<<"$line" && sed 's/^/    loadgen: /' "$work/loadgen.err" | tail -3 >&2
  echo "RESULT case=$case server=$name round=$round ${line#RESULT }" >>"$results"
  stop_server
}

t0=$(date +%s)
IFS=, read -ra case_list <<<"$cases"
for round in $(seq "$rounds"); do
  for c in "${case_list[@]}"; do
    # Alternate which server goes first, so slow drift in the machine's load is shared.
    if (( round % 2 )); then
      run_case "$c" sut "$round" "${sut[@]}"; run_case "$c" floor "$round" "${floor[@]}"
    else
      run_case "$c" floor "$round" "${floor[@]}"; run_case "$c" sut "$round" "${sut[@]}"
    fi
  done
done
echo "done in $(( $(date +%s) - t0 )) s" >&2

# The table: one row per figure, for the server under test, the floor, and sut/floor.
echo
echo "server under test: ${sut[*]}"
echo "floor: ${floor[*]} ; server on core $server_cpu, load generator on core $loadgen_cpu;" \
     "${duration}s per case after ${warmup}s warm-up; $(nproc) cores; $(date -u +%FT%TZ)"
echo
awk -v rounds="$rounds" '
function val(c, s, r, k,   key) { key = c SUBSEP s SUBSEP r SUBSEP k; return (key in v) ? v[key] : "" }
function fmt(x) { if (x == "" ) return "-"; return x }
function ratio(a, b) { if (a == "" || b == "" || a == "na" || b == "na" || a == "inf" || b == "inf" || b + 0 == 0) return "-"; return sprintf("%.2f", a / b) }
{
  c = ""; s = ""; r = ""
  for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
  c = f["case"]; s = f["server"]; r = f["round"]
  for (k in f) v[c, s, r, k] = f[k]
  delete f
}
END {
  n = 0
  row[++n] = "echo100|msgs_per_s|echo, 100 conns: msgs/s"
  row[++n] = "echo100|server_cpu_us_per_msg|echo, 100 conns: server CPU per message (us)"
  row[++n] = "echo100|p50_ms|echo, 100 conns: p50 (ms)"
  row[++n] = "echo100|p99_ms|echo, 100 conns: p99 (ms)"
  row[++n] = "echo100|max_ms|echo, 100 conns: max (ms)"
  row[++n] = "echo100|conn_max_min|echo, 100 conns: per-connection max/min"
  row[++n] = "echo100|server_cpu_pct|echo, 100 conns: server CPU busy (%)"
  row[++n] = "echo100|loadgen_cpu_pct|echo, 100 conns: load generator CPU busy (%)"
  row[++n] = "echo100|other_cpu_pct|echo, 100 conns: other CPU on the machine (% of a core)"
  row[++n] = "echo1000|msgs_per_s|echo, 1000 conns: msgs/s"
  row[++n] = "echo1000|server_cpu_us_per_msg|echo, 1000 conns: server CPU per message (us)"
  row[++n] = "echo1000|p50_ms|echo, 1000 conns: p50 (ms)"
  row[++n] = "echo1000|p99_ms|echo, 1000 conns: p99 (ms)"
  row[++n] = "echo1000|conn_max_min|echo, 1000 conns: per-connection max/min"
  row[++n] = "echo1000|server_cpu_pct|echo, 1000 conns: server CPU busy (%)"
  row[++n] = "echo1000|loadgen_cpu_pct|echo, 1000 conns: load generator CPU busy (%)"
  row[++n] = "echo1000|other_cpu_pct|echo, 1000 conns: other CPU on the machine (% of a core)"
  row[++n] = "idle|kib_per_conn|idle: server RSS per connection (KiB)"
  row[++n] = "idle|conns|idle: connections held"
  row[++n] = "broadcast|deliveries_per_s|broadcast 1000 x 8 in flight: deliveries/s"
  row[++n] = "broadcast|server_cpu_us_per_delivery|broadcast: server CPU per delivery (us)"
  row[++n] = "broadcast|delay_p50_ms|broadcast: send-to-receipt p50 (ms)"
  row[++n] = "broadcast|delay_p99_ms|broadcast: send-to-receipt p99 (ms)"
  row[++n] = "broadcast|server_cpu_pct|broadcast: server CPU busy (%)"
  row[++n] = "broadcast|loadgen_cpu_pct|broadcast: load generator CPU busy (%)"
  row[++n] = "broadcast|other_cpu_pct|broadcast: other CPU on the machine (% of a core)"
  printf "| %-58s |", "case"
  for (r = 1; r <= rounds; r++) printf " %11s | %11s | %9s |", "ours r" r, "floor r" r, "ratio r" r
  printf "\n|%s|", "------------------------------------------------------------"
  for (r = 1; r <= rounds; r++) printf "------------:|------------:|----------:|"
  printf "\n"
  for (i = 1; i <= n; i++) {
    split(row[i], p, "|")
    any = 0
    for (r = 1; r <= rounds; r++) if (val(p[1], "sut", r, "case") != "" || val(p[1], "floor", r, "case") != "") any = 1
    if (!any) continue
    printf "| %-58s |", p[3]
    for (r = 1; r <= rounds; r++) {
      a = val(p[1], "sut", r, p[2]); b = val(p[1], "floor", r, p[2])
      if (a == "" && val(p[1], "sut", r, "skipped") != "") a = "skipped"
      if (b == "" && val(p[1], "floor", r, "skipped") != "") b = "skipped"
      if (a == "" && val(p[1], "sut", r, "error") != "") a = "error"
      if (b == "" && val(p[1], "floor", r, "error") != "") b = "error"
      printf " %11s | %11s | %9s |", fmt(a), fmt(b), ratio(a, b)
    }
    printf "\n"
  }
}' "$results"
