#!/bin/sh
# The transport against nginx returning a fixed friend_add reply, next to wrk (the ceiling), a
# bare hyper-util client (the floor of our own stack) and, at 16 in flight, the bare client plus
# the per-call work any client of this API must do (`minimal`), in the same run on the same machine.
# Needs nginx, wrk and openssl (apt-get install -y nginx wrk openssl).
# Run from the repository root: sh crates/transport/bench/run.sh [SECONDS]
#
# With two or more CPUs, nginx (one worker) runs on CPU 0 and each client, wrk or ours, on CPU 1:
# the clients run one at a time, never share a core with the server, and each gets the same one
# core (wrk -t2 runs both its threads there). PIN=0 leaves placement to the scheduler.
set -eu
DIR=crates/transport/bench
TMP=/tmp/tim-transport-bench
SECS=${1:-10}
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
cargo bench -q -p tencent-im-transport --bench throughput --no-run
BIN=$(ls -t target/release/deps/throughput-* | grep -v '\.d$' | head -1)
SIG=$(TIM_SECRET_KEY=bench-key cargo run -q --release -p tencent-im-usersig --example generate -- 1400000000 administrator 86400 | tail -1)
QUERY="sdkappid=1400000000&identifier=administrator&usersig=$SIG&random=12345&contenttype=json"
export QUERY TIM_BENCH_CA="$TMP/cert.pem"
$SRV nginx -c "$PWD/$DIR/nginx.conf"
trap 'nginx -c "$PWD/$DIR/nginx.conf" -s stop' EXIT
sleep 1
H=http://127.0.0.1:18090
S=https://127.0.0.1:18453
echo "placement: server ${SRV:-unpinned}, clients ${CLI:-unpinned}; $(uptime)"
for round in 1 2; do
  echo "== round $round: one call in flight"
  echo "wrk -t1 -c1:  $($CLI wrk -t1 -c1 -d${SECS}s -s $DIR/friend_add.lua $H | grep Requests/sec)"
  $CLI "$BIN" bare "$H" 1 "$SECS"
  $CLI "$BIN" transport "$H" 1 "$SECS"
  echo "== round $round: 16 calls in flight (wrk -t2 -c16; ours on one runtime thread)"
  echo "wrk -t2 -c16: $($CLI wrk -t2 -c16 -d${SECS}s -s $DIR/friend_add.lua $H | grep Requests/sec)"
  $CLI "$BIN" bare "$H" 16 "$SECS"
  $CLI "$BIN" minimal "$H" 16 "$SECS"
  $CLI "$BIN" transport "$H" 16 "$SECS"
  echo "== round $round: HTTPS, one call in flight"
  echo "wrk -t1 -c1 (TLS): $($CLI wrk -t1 -c1 -d${SECS}s -s $DIR/friend_add.lua $S | grep Requests/sec)"
  $CLI "$BIN" transport "$S" 1 "$SECS"
done
echo "end: $(uptime)"
