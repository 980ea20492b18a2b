#!/usr/bin/env bash
# A/B of two builds of the lesson server, interleaved on one core, steady state:
#   bench/ab.sh OTHER_CHECKOUT [ROUNDS]
# OTHER_CHECKOUT is another checkout of this repository, built (npm ci && npm run build),
# whose bench/servers/signet.mjs starts its server; this checkout is the other side.
# Each side: start on core 0, take its cookies, warm up 3 s, then wrk for 5 s on core 1.
# LOAD=many: instead of one cookie, the many-users load of run.mjs (load.lua over 10,000
# distinct sessions, GET /sessions/user_id), the same file for both sides.
set -euo pipefail
other=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${2:-3}
users=""
if [ "${LOAD:-one}" = many ]; then
  users=$(mktemp)
  trap 'rm -f "$users"' EXIT
  (cd "$here/bench" && node mint-users.mjs "$users")
fi
load() { # seconds port cookie
  if [ -n "$users" ]; then
    (cd "$here/bench" && taskset -c 1 wrk -t1 -c32 -d"$1"s -s load.lua "http://127.0.0.1:$2" -- /sessions/user_id "$users")
  else
    taskset -c 1 wrk -t1 -c32 -d"$1"s -H "Cookie: $3" "http://127.0.0.1:$2/sessions/hello"
  fi
}
run() { # label checkout port
  (cd "$2/bench" && PORT=$3 LOG_REQUESTS=0 HOST=127.0.0.1 SECRET_KEY='hex:3f77855a0851bd4fb8a9b6354b6aa95f' exec taskset -c 0 node servers/signet.mjs >/dev/null 2>&1) &
  local pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$3/sessions/hello" && break; sleep 0.1; done
  local cookie
  cookie=$(curl -s -i "http://127.0.0.1:$3/sessions/hello" | grep -i '^set-cookie' | sed 's/^set-cookie: //I;s/;.*//' | tr -d '\r' | paste -sd';' | sed 's/;/; /')
  load 3 "$3" "$cookie" >/dev/null
  # CPU time per request as well as req/s: on a shared machine the first moves far less.
  local before after out requests
  before=$(cpu_ticks "$pid")
  out=$(load 5 "$3" "$cookie")
  after=$(cpu_ticks "$pid")
  requests=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
  echo "$1 $(echo "$out" | grep Requests/sec | tr -s ' '), server CPU $(( (after - before) * 1000000 / $(getconf CLK_TCK) / requests )) µs a request"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cpu_ticks() { # utime + stime of a process, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
for round in $(seq "$rounds"); do
  run "round $round, $other:" "$other" $((5900 + 2 * round))
  run "round $round, $here:" "$here" $((5901 + 2 * round))
done
