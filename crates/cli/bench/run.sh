#!/bin/sh
# The tim CLI's benchmarks (docs/benchmarks.md, "tim (tencent-im-cli)"). Run from the repository
# root:
#
#   sh crates/cli/bench/run.sh import [RUNS]       # 1,000,000 pairs into the emulator; kill and resume
#   sh crates/cli/bench/run.sh logs [RUNS] [MIB]   # tim logs stats over a generated log of MIB MiB
#   sh crates/cli/bench/run.sh all                 # both, with their defaults
#
# import: writes pairs.csv (header `from,to`; `serve --accounts 10000` names its accounts user1 ..
#   user10000, and userS adds userS+1 .. userS+100, wrapping at 10,000: 10,000 senders x 100
#   targets, no pair from both ends), then RUNS times (default 5):
#   A. a fresh emulator (`serve --accounts 10000 --default-allow-type AllowType_Type_AllowAny
#      --rate-limit 0 --journal-capacity 0`), then `tim friend import pairs.csv --journal J
#      --no-progress --concurrency 8 --rate 0`: wall time from start to exit (items/s = 1,000,000
#      over it), tim's peak RSS, the journal's size;
#   B. a fresh emulator, the same import killed with SIGKILL once its journal is half the size of
#      A's, then the same command again (the resume), timed to its end; then once more, now that
#      the journal holds every pair (nothing to send: the time to validate the file, read the
#      journal and skip every pair).
# logs: writes a JSON-lines log of MIB MiB (default 1024) in the protocol crate's log format
#   (crates/protocol/README.md), reads it once into the page cache, then RUNS times (default 5)
#   `tim --json logs stats LOG`: MB/s by tim's own clock (bytes / seconds of its JSON) and by the
#   wall clock (process start to exit), and the peak RSS.
#
# With two or more CPUs the emulator runs on CPU 0 and tim on CPU 1 (taskset), as in
# crates/facade/bench/run.sh; PIN=0 leaves placement to the scheduler (and lets `tim logs stats`
# use a worker thread per CPU). TIM=PATH benches another tim binary (e.g. an older build); RATE=
# (empty) leaves out `--rate 0`, so that the client keeps Tencent's 200 friend_add requests/s.
# Peak RSS is "Maximum resident set size" of /usr/bin/time -v (GNU time), or else the last VmHWM
# read from /proc every 50 ms. Everything generated lives in /tmp/tim-cli-bench-run and is
# deleted at the end.
set -eu
WHAT=${1:-all}
TMP=/tmp/tim-cli-bench-run
rm -rf "$TMP"
mkdir -p "$TMP"
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  SRV="taskset -c 0"
  CLI="taskset -c 1"
else
  SRV=""
  CLI=""
fi
RATE=${RATE-0}
cargo build -q --release -p tencent-im-cli -p tencent-im-emulator
TIM=${TIM:-target/release/tim}
EMU=target/release/tencent-im-emulator
PORT=18094
EMU_PID=""
TIM_PID=""
cleanup() {
  if [ -n "$TIM_PID" ]; then kill -KILL "$TIM_PID" 2>/dev/null || true; wait "$TIM_PID" 2>/dev/null || true; fi
  if [ -n "$EMU_PID" ]; then kill -TERM "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A secret key of this run, for the emulator's app and for tim; no config file of the user's.
KEY=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
export TIM_CONFIG="$TMP/no-config.toml" TIM_SDKAPPID=1400000000 TIM_IDENTIFIER=administrator \
  TIM_SECRET_KEY="$KEY" TIM_ENDPOINT="http://127.0.0.1:$PORT"
unset TIM_PROFILE TIM_REGION TIM_REDIS_URL TIM_FLEET_SIZE
AWK=$(command -v mawk || command -v awk)

# median, min and max of the numbers on stdin, one per line
stats() { sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "median %s (range %s–%s, %d runs)", v[int((NR + 1) / 2)], v[1], v[NR], NR }'; }
now() { date +%s.%N; }
# the difference of two times, in seconds
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

start_emulator() {
  TIM_EMULATOR_SECRET_KEY="$KEY" $SRV "$EMU" serve --port "$PORT" --sdkappid 1400000000 \
    --identifier administrator --accounts 10000 --default-allow-type AllowType_Type_AllowAny \
    --rate-limit 0 --journal-capacity 0 > "$TMP/emulator.out" 2> "$TMP/emulator.err" &
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

# measure NAME ARGS...: runs `tim ARGS` on the client CPU, stdout and stderr to $TMP/NAME.out and
# .err; sets WALL (seconds, start to exit), PEAK (MB) and RC.
measure() {
  name=$1
  shift
  RC=0
  t0=$(now)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$TMP/$name.time" $CLI "$TIM" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" || RC=$?
    WALL=$(since "$t0")
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$TMP/$name.time")
  else
    $CLI "$TIM" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" &
    TIM_PID=$!
    kb=0
    while kill -0 "$TIM_PID" 2>/dev/null; do
      v=$(sed -n 's/^VmHWM: *\([0-9]*\) kB/\1/p' "/proc/$TIM_PID/status" 2>/dev/null || true)
      [ -z "$v" ] || kb=$v
      sleep 0.05
    done
    wait "$TIM_PID" || RC=$?
    TIM_PID=""
    WALL=$(since "$t0")
  fi
  PEAK=$(awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1000 }')
}

# field NAME PATTERN: the first number of `this run: …` (etc.) that sed PATTERN picks from NAME.out
field() { sed -n "$2" "$TMP/$1.out" | head -1; }

import() {
  RUNS=${1:-5}
  CSV="$TMP/pairs.csv"
  J="$TMP/import.journal"
  "$AWK" 'BEGIN { print "from,to"; for (s = 1; s <= 10000; s++) for (k = 1; k <= 100; k++) print "user" s ",user" ((s - 1 + k) % 10000 + 1) }' > "$CSV"
  set -- friend import "$CSV" --journal "$J" --no-progress --concurrency 8
  [ -z "$RATE" ] || set -- "$@" --rate "$RATE"
  LOG="$TMP/import.log"
  : > "$LOG"
  echo "== import: $(wc -l < "$CSV") lines ($(stat -c %s "$CSV") bytes); emulator ${SRV:-unpinned}, tim ${CLI:-unpinned}: $TIM $*"
  echo "== import: start $(uptime)"
  for run in $(seq "$RUNS"); do
    rm -f "$J"
    start_emulator
    measure full "$@"
    full_wall=$WALL
    full_peak=$PEAK
    stop_emulator
    [ "$RC" = 0 ] || { cat "$TMP/full.err" >&2; echo "import exited with $RC" >&2; exit 1; }
    added=$(field full 's/^  added *\([0-9]*\)$/\1/p')
    [ "$added" = 1000000 ] || { cat "$TMP/full.out" >&2; exit 1; }
    size=$(stat -c %s "$J")
    sending=$(field full 's/^this run: .* requests, \([0-9.]*\) s, .*/\1/p')

    rm -f "$J"
    start_emulator
    $CLI "$TIM" "$@" > "$TMP/killed.out" 2> "$TMP/killed.err" &
    TIM_PID=$!
    while kill -0 "$TIM_PID" 2>/dev/null && [ "$(stat -c %s "$J" 2>/dev/null || echo 0)" -lt $((size / 2)) ]; do
      sleep 0.01
    done
    kill -KILL "$TIM_PID" 2>/dev/null || true
    wait "$TIM_PID" 2>/dev/null || true
    TIM_PID=""
    at_kill=$(($(wc -l < "$J") - 1))
    measure resume "$@"
    [ "$RC" = 0 ] || { cat "$TMP/resume.err" >&2; echo "the resume exited with $RC" >&2; exit 1; }
    resume_wall=$WALL
    resume_peak=$PEAK
    before=$(field resume 's/^this run: .*; \([0-9]*\) settled before.*/\1/p')
    resent=$(field resume 's/^this run: \([0-9]*\) pairs in .*/\1/p')
    resume_sending=$(field resume 's/^this run: .* requests, \([0-9.]*\) s, .*/\1/p')
    ended=$(awk '/^  (added|already_friends) / { n += $2 } END { print n + 0 }' "$TMP/resume.out")
    again=$(field resume 's/^  already_friends *\([0-9]*\)$/\1/p')
    [ "$ended" = 1000000 ] || { cat "$TMP/resume.out" >&2; exit 1; }
    measure settled "$@"
    [ "$RC" = 0 ] || { cat "$TMP/settled.err" >&2; exit 1; }
    settled_wall=$WALL
    settled_peak=$PEAK
    [ "$(field settled 's/^this run: \([0-9]*\) pairs in .*/\1/p')" = 0 ] || { cat "$TMP/settled.out" >&2; exit 1; }
    stop_emulator

    echo "run $run: import $(awk -v w="$full_wall" 'BEGIN { printf "%.0f", 1000000 / w }') items/s end to end" \
      "(wall $full_wall s, sending $sending s), peak RSS $full_peak MB, journal $size bytes;" \
      "killed at $at_kill settled; resume: $before settled before, $resent sent ($again of them added" \
      "before the kill: already friends), wall $resume_wall s" \
      "(sending $resume_sending s), peak RSS $resume_peak MB;" \
      "all settled: wall $settled_wall s, peak RSS $settled_peak MB" | tee -a "$LOG"
  done
  echo "== import: end $(uptime)"
  pick() { sed -n "s/$1/\\1/p" "$LOG" | stats; }
  echo "import end to end: items/s $(pick '.*: import \([0-9]*\) items\/s.*');" \
    "wall s $(pick '.*(wall \([0-9.]*\) s, sending.*');" \
    "peak RSS MB $(pick '.*sending [0-9.]* s), peak RSS \([0-9.]*\) MB, journal.*')"
  echo "journal bytes: $(pick '.* journal \([0-9]*\) bytes.*')"
  echo "killed at (settled pairs): $(pick '.*killed at \([0-9]*\) settled.*')"
  echo "resume to the end: wall s $(pick '.*resume: .* wall \([0-9.]*\) s (sending.*');" \
    "pairs sent $(pick '.*resume: [0-9]* settled before, \([0-9]*\) sent.*');" \
    "of them already friends $(pick '.* sent (\([0-9]*\) of them added.*');" \
    "peak RSS MB $(pick '.*resume: .*), peak RSS \([0-9.]*\) MB; all.*')"
  echo "all settled (validate, read the journal, skip every pair): wall s $(pick '.*all settled: wall \([0-9.]*\) s.*');" \
    "peak RSS MB $(pick '.*all settled: .* peak RSS \([0-9.]*\) MB$')"
}

# gen_log BYTES: a JSON-lines log of about BYTES bytes on stdout, in the protocol crate's log
# format: a third each of {"ts","random","api","request","response","ms"} exchanges, bare request
# bodies and bare reply bodies. Seven calls in ten are friend_add (1 to 20 items with Remark,
# GroupName, AddSource and AddWording; about one item in eleven answered 30539 or 30515), the
# others friend_check (3 targets), account_check (2 UserIDs) and multiaccount_import; one call
# in 97 failed whole with 60007 and one in 1009 with 70001; one exchange in 499 got no reply
# ("response":null) and one line in 100003 is cut short (not JSON).
gen_log() {
  "$AWK" -v BYTES="$1" '
    function item(n, i) { return "{\"To_Account\":\"user" ((n * 7 + i * 13) % 100000) "\",\"Remark\":\"remark " i "\",\"GroupName\":\"Friends\",\"AddSource\":\"AddSource_Type_Android\",\"AddWording\":\"hello from the chess club\"}" }
    function code(n, i,   k) { k = (n + i * 31) % 23; return k == 3 ? 30539 : (k == 7 ? 30515 : 0) }
    BEGIN {
      for (n = 0; written < BYTES; n++) {
        from = "user" (n % 100000)
        kind = n % 10
        ts = sprintf("2026-11-29T%02d:%02d:%02d.%03dZ", int(n / 3600000) % 24, int(n / 60000) % 60, int(n / 1000) % 60, n % 1000)
        if (kind < 7) {
          api = "v4/sns/friend_add"
          req = "{\"From_Account\":\"" from "\",\"AddFriendItem\":["
          rep = "{\"ResultItem\":["
          fail = ""
          for (i = 0; i < 1 + n % 20; i++) {
            sep = i ? "," : ""
            to = "user" ((n * 7 + i * 13) % 100000)
            c = code(n, i)
            req = req sep item(n, i)
            rep = rep sep "{\"To_Account\":\"" to "\",\"ResultCode\":" c ",\"ResultInfo\":\"" (c == 30539 ? "Err_SNS_FriendAdd_Need_Confirm" : (c ? "Err_SNS_FriendAdd_In_To_Account_Black_List" : "")) "\"}"
            if (c) fail = fail (fail == "" ? "" : ",") "\"" to "\""
          }
          req = req "],\"AddType\":\"Add_Type_Both\"}"
          rep = rep "],\"Fail_Account\":[" fail "],\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"ErrorDisplay\":\"\"}"
        } else if (kind == 7) {
          api = "v4/sns/friend_check"
          req = "{\"From_Account\":\"" from "\",\"To_Account\":[\"user1\",\"user2\",\"user3\"],\"CheckType\":\"CheckResult_Type_Both\"}"
          rep = "{\"InfoItem\":[{\"To_Account\":\"user1\",\"Relation\":\"CheckResult_Type_BothWay\",\"ResultCode\":0,\"ResultInfo\":\"\"},{\"To_Account\":\"user2\",\"Relation\":\"CheckResult_Type_NoRelation\",\"ResultCode\":0,\"ResultInfo\":\"\"},{\"To_Account\":\"user3\",\"Relation\":\"CheckResult_Type_AWithB\",\"ResultCode\":0,\"ResultInfo\":\"\"}],\"Fail_Account\":[],\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\"}"
        } else if (kind == 8) {
          api = "v4/im_open_login_svc/account_check"
          req = "{\"CheckItem\":[{\"UserID\":\"" from "\"},{\"UserID\":\"ghost" n "\"}]}"
          rep = "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"ResultItem\":[{\"UserID\":\"" from "\",\"ResultCode\":0,\"ResultInfo\":\"\",\"AccountStatus\":\"Imported\"},{\"UserID\":\"ghost" n "\",\"ResultCode\":0,\"ResultInfo\":\"\",\"AccountStatus\":\"NotImported\"}]}"
        } else {
          api = "v4/im_open_login_svc/multiaccount_import"
          req = "{\"AccountList\":[{\"UserID\":\"new" n "\",\"Nick\":\"New " n "\",\"FaceUrl\":\"https://example.com/" n ".png\"}]}"
          rep = "{\"FailAccounts\":[],\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\"}"
        }
        if (n % 97 == 5) rep = "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60007,\"ErrorInfo\":\"REST API call rate over the limit\",\"ErrorDisplay\":\"\"}"
        if (n % 1009 == 11) rep = "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":70001,\"ErrorInfo\":\"UserSig expired\",\"ErrorDisplay\":\"\"}"
        form = n % 3
        if (form == 0) line = "{\"ts\":\"" ts "\",\"random\":" sprintf("%.0f", (n * 2654435761) % 4294967296) ",\"api\":\"" api "\",\"request\":" req ",\"response\":" (n % 499 == 7 ? "null" : rep) ",\"ms\":" (n % 37) "}"
        else if (form == 1) line = req
        else line = rep
        if (n % 100003 == 99) line = substr(line, 1, 40)
        print line
        written += length(line) + 1
      }
    }'
}

logs() {
  RUNS=${1:-5}
  MIB=${2:-1024}
  LOGFILE="$TMP/app.log"
  gen_log $((MIB * 1048576)) > "$LOGFILE"
  cat "$LOGFILE" > /dev/null
  LOG="$TMP/logs.log"
  : > "$LOG"
  echo "== logs: $LOGFILE, $(stat -c %s "$LOGFILE") bytes, $(wc -l < "$LOGFILE") lines (in the page cache); tim ${CLI:-unpinned}"
  echo "== logs: start $(uptime)"
  for run in $(seq "$RUNS"); do
    measure stats --json logs stats "$LOGFILE"
    [ "$RC" = 0 ] || { cat "$TMP/stats.err" >&2; echo "tim logs stats exited with $RC" >&2; exit 1; }
    if [ "$run" = 1 ]; then
      count() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$TMP/stats.out"; }
      echo "counted: $(count requests) requests, $(count responses) responses, $(count exchanges) exchanges, $(count bad_lines) bad lines"
    fi
    bytes=$(sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' "$TMP/stats.out")
    seconds=$(sed -n 's/.*"seconds":\([0-9.e-]*\).*/\1/p' "$TMP/stats.out")
    echo "run $run: $(awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.0f", b / 1e6 / s }') MB/s by tim's clock" \
      "($bytes bytes in $seconds s), $(awk -v b="$bytes" -v s="$WALL" 'BEGIN { printf "%.0f", b / 1e6 / s }') MB/s" \
      "by the wall clock ($WALL s), peak RSS $PEAK MB" | tee -a "$LOG"
  done
  echo "== logs: end $(uptime)"
  pick() { sed -n "s/$1/\\1/p" "$LOG" | stats; }
  echo "logs stats: MB/s (tim's clock) $(pick '.*: \([0-9]*\) MB\/s by tim.*');" \
    "MB/s (wall) $(pick '.*), \([0-9]*\) MB\/s by the wall.*');" \
    "peak RSS MB $(pick '.*peak RSS \([0-9.]*\) MB$')"
}

case "$WHAT" in
  import) import "${2:-5}" ;;
  logs) logs "${2:-5}" "${3:-1024}" ;;
  all)
    import 5
    logs 5 1024
    ;;
  *) echo "usage: sh crates/cli/bench/run.sh import|logs|all [...]" >&2; exit 2 ;;
esac
