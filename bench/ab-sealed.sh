#!/usr/bin/env bash
# A/B of the lesson server with SESSION_FORMAT=sealed, many users, interleaved on one core:
#   bench/ab-sealed.sh OTHER_CHECKOUT [ROUNDS]
# Like ab.sh LOAD=many, but each side mints its own 10,000 sealed sessions with its own
# library (a build of signet-session 0.2 seals S1 and cannot open S2), then runs the same
# load.lua: server CPU µs per request over 5 s after a 3 s warm-up, and a check that the
# fifth user's session was read (its answer shows session_value 5).
set -euo pipefail
other=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${2:-3}
users_other=$(mktemp)
users_here=$(mktemp)
trap 'rm -f "$users_other" "$users_here"' EXIT
mint() { # checkout file
  (cd "$1/bench" && node --input-type=module -e "
import { writeFileSync } from 'node:fs';
import { CookieSessions, FLASK_COOKIE, parseSecretSpec } from 'signet-session';
import { SIGNET_SECRET_KEY, userSession } from './servers/common.mjs';
const sessions = new CookieSessions({ secret: parseSecretSpec(SIGNET_SECRET_KEY), format: 'sealed', cookie: FLASK_COOKIE, warn: () => {} });
const lines = [];
for (let n = 1; n <= 10000; n++) { const { session } = sessions.open(undefined); for (const [k, v] of Object.entries(userSession(n))) session.set(k, v); lines.push(sessions.save(session).setCookie.split(';')[0]); }
writeFileSync('$2', lines.join('\n') + '\n');")
}
run() { # label checkout users port
  (cd "$2/bench" && SESSION_FORMAT=sealed PORT=$4 LOG_REQUESTS=0 HOST=127.0.0.1 exec taskset -c 0 node servers/signet.mjs >/dev/null 2>&1) &
  local pid=$!
  for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$4/sessions/hello" && break; sleep 0.1; done
  (cd "$here/bench" && taskset -c 1 wrk -t1 -c32 -d3s -s load.lua "http://127.0.0.1:$4" -- /sessions/user_id "$3" >/dev/null)
  local b a o req
  b=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
  o=$(cd "$here/bench" && taskset -c 1 wrk -t1 -c32 -d5s -s load.lua "http://127.0.0.1:$4" -- /sessions/user_id "$3")
  a=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
  req=$(echo "$o" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
  local read
  read=$(curl -s -H "Cookie: $(sed -n 5p "$3")" "http://127.0.0.1:$4/sessions/user_id" | grep -c '"session_value": 5$' || true)
  echo "$1 $(echo "$o" | grep Requests/sec | tr -s ' '), server CPU $(( (a - b) * 1000000 / $(getconf CLK_TCK) / req )) µs a request, user 5 read: $([ "$read" = 1 ] && echo yes || echo NO)"
  kill -TERM $pid; wait $pid 2>/dev/null || true
}
mint "$other" "$users_other"
mint "$here" "$users_here"
for round in $(seq "$rounds"); do
  run "round $round, $other:" "$other" "$users_other" $((5920 + 2 * round))
  run "round $round, $here:" "$here" "$users_here" $((5921 + 2 * round))
done
