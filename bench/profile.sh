#!/usr/bin/env bash
# A CPU profile of one bench server under the many-users load, and its young generation:
#   bash bench/profile.sh SERVER [NODE_FLAG ...]     e.g. bash bench/profile.sh signet.mjs --max-semi-space-size=2
# SERVER is a file of bench/servers/. The server starts on core 0 under `node --cpu-prof`,
# warms up 2 s under load.lua (10,000 distinct Flask-format users, GET /sessions/user_id),
# then runs 5 s of it with wrk on core 1. Prints req/s, the server's CPU µs a request, V8's
# new space (both semi-spaces) after the load, and the profile's largest self times
# (profile-summary.mjs). The profile stays in a temporary directory, named at the end.
set -euo pipefail
cd "$(dirname "$0")"
server=$1; shift
port=${PORT:-5890}
dir=$(mktemp -d)
users=$dir/users.txt
node mint-users.mjs "$users" >/dev/null
PORT=$port HOST=127.0.0.1 LOG_REQUESTS=0 taskset -c 0 node --cpu-prof --cpu-prof-dir="$dir" --import=./profile-hooks.mjs "$@" "servers/$server" >/dev/null 2>"$dir/stderr" &
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
load() { taskset -c 1 wrk -t1 -c32 -d"$1"s -s load.lua "http://127.0.0.1:$port" -- /sessions/user_id "$users"; }
load 2 >/dev/null
before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
out=$(load 5)
after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
kill -USR2 "$pid"; sleep 0.2
requests=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
echo "$server $*: $(echo "$out" | grep Requests/sec | tr -s ' '), server CPU $(( (after - before) * 1000000 / $(getconf CLK_TCK) / requests )) µs a request, $(tail -1 "$dir/stderr")"
kill -INT "$pid"; wait "$pid" 2>/dev/null || true
node profile-summary.mjs "$dir"/*.cpuprofile
echo "profile: $(ls "$dir"/*.cpuprofile)"
