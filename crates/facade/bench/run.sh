#!/bin/sh
# The facade's benchmarks (docs/benchmarks.md, "Facade"). Run from the repository root:
#
#   sh crates/facade/bench/run.sh calls [SECONDS] [RUNS]  # one-item friend_add against nginx
#   sh crates/facade/bench/run.sh bulk [RUNS]             # 1,000,000 pairs into the emulator
#   sh crates/facade/bench/run.sh paced [SECONDS] [RUNS]  # 200 requests/s on both sides
#   sh crates/facade/bench/run.sh all                     # the three, with their defaults
#
# calls: nginx (crates/transport/bench/nginx.conf, one worker, a fixed friend_add reply) and, RUNS
#   times (default 5) in turn, `facade transport URL N SECONDS` then `facade facade URL N SECONDS`
#   (default 10 s) for N = 1 and 16 calls in flight; then the median and range of calls/s and of
#   client CPU per call, and facade / transport CPU per call (ratio of the medians, and the range
#   of the ratios of each run's pair). Needs nginx and openssl (apt-get install -y nginx openssl).
# bulk: RUNS times (default 5), a fresh emulator (`serve --accounts 10000 --default-allow-type
#   AllowType_Type_AllowAny --rate-limit 0 --journal-capacity 0`), then `facade bulk URL 10000 100
#   8`: 10,000 senders × 100 targets; median and range of items/s and of the client's peak RSS.
# paced: RUNS times (default 3), a fresh emulator with `--rate-limit 200` and enough accounts for
#   SECONDS + 5 seconds of 100-item requests, then `facade paced URL ... 8 SECONDS` (default 60)
#   with the client's default rate limiter (200 friend_add requests/s).
#
# With two or more CPUs the server (nginx or the emulator) runs on CPU 0 and the client on CPU 1
# (taskset), as in crates/transport/bench/run.sh; PIN=0 leaves placement to the scheduler.
set -eu
WHAT=${1:-all}
TMP=/tmp/tim-facade-bench
mkdir -p "$TMP"
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  SRV="taskset -c 0"
  CLI="taskset -c 1"
else
  SRV=""
  CLI=""
fi
BIN=$(cargo bench -p tencent-im --bench facade --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
[ -x "$BIN" ] || { echo "cannot find the facade bench binary" >&2; exit 1; }
cargo build -q --release -p tencent-im-emulator
EMU=target/release/tencent-im-emulator
NGINX_CONF="$PWD/crates/transport/bench/nginx.conf"
NGINX=0
EMU_PID=""
cleanup() {
  if [ -n "$EMU_PID" ]; then kill -TERM "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
  if [ "$NGINX" = 1 ]; then nginx -c "$NGINX_CONF" -s stop || true; fi
}
trap cleanup EXIT

# median, min and max of the numbers on stdin, one per line
stats() { sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "median %s (range %s–%s, %d runs)", v[int((NR + 1) / 2)], v[1], v[NR], NR }'; }

# start_emulator PORT FLAGS...: a fresh emulator on 127.0.0.1:PORT, ready when it prints its URL
start_emulator() {
  port=$1
  shift
  $SRV "$EMU" serve --port "$port" "$@" > "$TMP/emulator.out" 2> "$TMP/emulator.err" &
  EMU_PID=$!
  i=0
  until grep -q "listening on" "$TMP/emulator.out" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 100 ] || { cat "$TMP/emulator.err" >&2; exit 1; }
    sleep 0.1
  done
}

stop_emulator() {
  kill -TERM "$EMU_PID"
  wait "$EMU_PID" || true
  EMU_PID=""
}

calls() {
  SECS=${1:-10}
  RUNS=${2:-5}
  T=/tmp/tim-transport-bench
  mkdir -p "$T/body"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
  $SRV nginx -c "$NGINX_CONF"
  NGINX=1
  sleep 1
  H=http://127.0.0.1:18090
  LOG="$TMP/calls.log"
  : > "$LOG"
  echo "== calls: placement server ${SRV:-unpinned}, client ${CLI:-unpinned}; start $(uptime)"
  for run in $(seq "$RUNS"); do
    for n in 1 16; do
      for mode in transport facade; do
        $CLI "$BIN" "$mode" "$H" "$n" "$SECS" | tee -a "$LOG"
      done
    done
  done
  echo "== calls: end $(uptime)"
  nginx -c "$NGINX_CONF" -s stop
  NGINX=0
  for n in 1 16; do
    for mode in transport facade; do
      lines=$(grep "^$mode .* in_flight=$n:" "$LOG")
      echo "$mode, $n in flight: calls/s $(echo "$lines" | sed 's/.* = \([0-9]*\) calls\/s.*/\1/' | stats);" \
        "CPU µs/call $(echo "$lines" | sed 's/.*client CPU \([0-9.]*\) µs.*/\1/' | stats)"
    done
    cpu() { grep "^$1 .* in_flight=$n:" "$LOG" | sed 's/.*client CPU \([0-9.]*\) µs.*/\1/' | stats | cut -d' ' -f2; }
    echo "facade / transport CPU per call, $n in flight: $(awk -v t="$(cpu transport)" -v f="$(cpu facade)" 'BEGIN { printf "%.3f", f / t }') (medians);" \
      "per run $(awk -v n="$n" '$3 == "in_flight=" n ":" {
          m = $1; c = $0; sub(/.*client CPU /, "", c); c += 0
          if (m == "transport") t = c; else if (t) printf "%.3f\n", c / t
        }' "$LOG" | stats)"
  done
}

bulk() {
  RUNS=${1:-5}
  LOG="$TMP/bulk.log"
  : > "$LOG"
  echo "== bulk: placement emulator ${SRV:-unpinned}, client ${CLI:-unpinned}; start $(uptime)"
  for run in $(seq "$RUNS"); do
    start_emulator 18091 --accounts 10000 --default-allow-type AllowType_Type_AllowAny \
      --rate-limit 0 --journal-capacity 0
    $CLI "$BIN" bulk http://127.0.0.1:18091 10000 100 8 | tee -a "$LOG"
    stop_emulator
  done
  echo "== bulk: end $(uptime)"
  lines=$(grep "^bulk " "$LOG")
  echo "bulk: items/s $(echo "$lines" | sed 's/.* = \([0-9]*\) items\/s.*/\1/' | stats);" \
    "peak RSS MB $(echo "$lines" | sed 's/.*(VmHWM) \([0-9.]*\) MB.*/\1/' | stats);" \
    "$(grep -c "every pair exactly once" "$LOG") of $RUNS runs reported every pair exactly once"
}

paced() {
  SECS=${1:-60}
  RUNS=${2:-3}
  SENDERS=$((200 * (SECS + 5)))
  LOG="$TMP/paced.log"
  : > "$LOG"
  echo "== paced: placement emulator ${SRV:-unpinned}, client ${CLI:-unpinned}; start $(uptime)"
  for run in $(seq "$RUNS"); do
    start_emulator 18092 --accounts "$SENDERS" --default-allow-type AllowType_Type_AllowAny \
      --rate-limit 200 --journal-capacity 0
    $CLI "$BIN" paced http://127.0.0.1:18092 "$SENDERS" 100 8 "$SECS" | tee -a "$LOG"
    stop_emulator
  done
  echo "== paced: end $(uptime)"
  echo "paced: requests/s over seconds 1..$SECS $(sed -n 's/.* = \([0-9.]*\) requests\/s (per second.*/\1/p' "$LOG" | stats);" \
    "60007 seen $(sed -n 's/.*60007 seen \([0-9]*\).*/\1/p' "$LOG" | stats)"
}

case "$WHAT" in
  calls) calls "${2:-10}" "${3:-5}" ;;
  bulk) bulk "${2:-5}" ;;
  paced) paced "${2:-60}" "${3:-3}" ;;
  all)
    calls 10 5
    bulk 5
    paced 60 3
    ;;
  *) echo "usage: sh crates/facade/bench/run.sh calls|bulk|paced|all [...]" >&2; exit 2 ;;
esac
