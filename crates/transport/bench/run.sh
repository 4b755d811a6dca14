#!/bin/sh
# The transport's performance targets, as ratios measured in the same run (docs/benchmarks.md,
# "tencent-im-transport"), against nginx returning a fixed friend_add reply:
#   one call in flight:   transport >= 0.9x the bare hyper-util client's calls/s, <= 1.2x its CPU per call
#   16 calls in flight on one runtime thread:   >= 0.8x and <= 1.35x
#   HTTPS, one call in flight:   transport >= 0.75x `wrk -t1 -c1` over TLS
# Each pair is run ROUNDS times (default 5), alternating the two clients and which goes first;
# the ratio of each round is reported as the median and the range over the rounds.
# Needs nginx, wrk and openssl (apt-get install -y nginx wrk openssl).
# Run from the repository root: sh crates/transport/bench/run.sh [SECONDS] [ROUNDS]
#
# With two or more CPUs, nginx (one worker) runs on CPU 0 and each client, wrk or ours, on CPU 1:
# the clients run one at a time, never share a core with the server, and each gets the same one
# core. PIN=0 leaves placement to the scheduler.
set -eu
DIR=crates/transport/bench
TMP=/tmp/tim-transport-bench
SECS=${1:-5}
ROUNDS=${2:-5}
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  SRV="taskset -c 0"
  CLI="taskset -c 1"
else
  SRV=""
  CLI=""
fi
mkdir -p "$TMP/body"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
BIN=$(cargo bench -p tencent-im-transport --bench throughput --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
[ -x "$BIN" ] || { echo "cannot build the throughput bench" >&2; exit 1; }
SIG=$(TIM_SECRET_KEY=bench-key cargo run -q --release -p tencent-im-usersig --example generate -- 1400000000 administrator 86400 | tail -1)
QUERY="sdkappid=1400000000&identifier=administrator&usersig=$SIG&random=12345&contenttype=json"
export QUERY TIM_BENCH_CA="$TMP/cert.pem"
$SRV nginx -c "$PWD/$DIR/nginx.conf"
trap 'nginx -c "$PWD/$DIR/nginx.conf" -s stop' EXIT
sleep 1
H=http://127.0.0.1:18090
S=https://127.0.0.1:18453
RESULTS="$TMP/results.tsv"
: >"$RESULTS"

# One measurement: LOAD CLIENT ROUND; appends "LOAD ROUND CLIENT CALLS_PER_S CPU_US_PER_CALL".
measure() {
  load=$1 client=$2 round=$3
  case "$load/$client" in
    https/wrk)
      out=$($CLI wrk -t1 -c1 -d"${SECS}s" -s $DIR/friend_add.lua $S)
      rate=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
      cpu=-
      line="wrk -t1 -c1 $S: $rate req/s" ;;
    *)
      case $load in one) url=$H n=1 ;; sixteen) url=$H n=16 ;; https) url=$S n=1 ;; esac
      line=$($CLI "$BIN" "$client" "$url" "$n" "$SECS")
      rate=$(echo "$line" | sed -n 's/.* = \([0-9.]*\) calls\/s.*/\1/p')
      cpu=$(echo "$line" | sed -n 's/.*client CPU \([0-9.]*\) µs\/call.*/\1/p') ;;
  esac
  echo "  round $round: $line"
  printf '%s\t%s\t%s\t%s\t%s\n' "$load" "$round" "$client" "$rate" "$cpu" >>"$RESULTS"
}

# A pair of clients, alternated: the first goes first in odd rounds, second in even ones.
pair() {
  load=$1 a=$2 b=$3 round=$4
  if [ $((round % 2)) = 1 ]; then
    measure "$load" "$a" "$round"
    measure "$load" "$b" "$round"
  else
    measure "$load" "$b" "$round"
    measure "$load" "$a" "$round"
  fi
}

echo "placement: server ${SRV:-unpinned}, clients ${CLI:-unpinned}; $SECS s a run, $ROUNDS rounds"
echo "start: $(uptime)"
round=1
while [ $round -le "$ROUNDS" ]; do
  echo "== round $round"
  pair one bare transport $round
  pair sixteen bare transport $round
  pair https wrk transport $round
  round=$((round + 1))
done
echo "end: $(uptime)"

# Per round: transport / reference; then the median and range over the rounds, and the verdict.
report() {
  load=$1 ref=$2 field=$3 what=$4 op=$5 target=$6
  awk -F'\t' -v load="$load" -v ref="$ref" -v f="$field" -v what="$what" -v op="$op" -v target="$target" '
    $1 == load && $3 == ref { r[$2] = $f }
    $1 == load && $3 == "transport" { t[$2] = $f }
    END {
      n = 0
      for (k in t) if ((k in r) && r[k] > 0) { v[++n] = t[k] / r[k] }
      for (i = 2; i <= n; i++) { x = v[i]; j = i - 1; while (j > 0 && v[j] > x) { v[j + 1] = v[j]; j-- } v[j + 1] = x }
      med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      ok = (op == ">=") ? (med >= target) : (med <= target)
      printf "%-28s %-22s median %.3f  range %.3f-%.3f  (n=%d)  target %s %.2f: %s\n", load " vs " ref, what, med, v[1], v[n], n, op, target, ok ? "pass" : "FAIL"
    }' "$RESULTS"
}
echo "== ratios (transport / reference, per round)"
report one bare 4 "calls/s" ">=" 0.9
report one bare 5 "CPU per call" "<=" 1.2
report sixteen bare 4 "calls/s" ">=" 0.8
report sixteen bare 5 "CPU per call" "<=" 1.35
report https wrk 4 "calls/s" ">=" 0.75
echo "raw figures: $RESULTS (load, round, client, calls/s, CPU µs per call)"
