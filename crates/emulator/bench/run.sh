#!/bin/sh
# The emulator against nginx returning a fixed reply, under the same wrk load on the same
# machine: 2 wrk threads, 16 connections, 15 s, 1-item friend_add requests with a real admin
# UserSig, alternating twice. Needs wrk and nginx (apt-get install -y wrk nginx) and curl.
# Run from the repository root: sh crates/emulator/bench/run.sh
set -eu
DIR=crates/emulator/bench
TMP=/tmp/tim-emulator-bench
KEY=5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e
mkdir -p "$TMP"
cargo build -q --release -p tencent-im-emulator
SIG=$(TIM_SECRET_KEY=$KEY cargo run -q --release -p tencent-im-usersig --example generate -- 1400000000 administrator 86400 | tail -1)
QUERY="sdkappid=1400000000&identifier=administrator&usersig=$SIG&random=12345&contenttype=json"
export QUERY ACCOUNTS=100000
nginx -c "$PWD/$DIR/nginx.conf"
trap 'nginx -c "$PWD/$DIR/nginx.conf" -s stop' EXIT
sleep 1
for round in 1 2; do
  echo "== round $round: nginx (fixed reply)"
  wrk -t2 -c16 -d15s -s "$DIR/friend_add.lua" http://127.0.0.1:18080 | grep -E "Latency|Requests/sec|requests "
  ./target/release/tencent-im-emulator serve --port 18081 --accounts "$ACCOUNTS" \
    --default-allow-type AllowType_Type_AllowAny --rate-limit 0 --journal-capacity 0 \
    > "$TMP/emulator.out" 2> "$TMP/emulator.err" &
  PID=$!
  sleep 2
  echo "== round $round: emulator"
  wrk -t2 -c16 -d15s -s "$DIR/friend_add.lua" http://127.0.0.1:18081 | grep -E "Latency|Requests/sec|requests "
  # Every request wrote a new two-way friendship: user1's list grew by one per 1000 requests.
  curl -s -X POST "http://127.0.0.1:18081/v4/sns/friend_get?$QUERY" \
    -d '{"From_Account":"user1","StartIndex":1000000}' | grep -o '"FriendNum":[0-9]*'
  kill -TERM "$PID"
  wait "$PID" || true
done
