#!/usr/bin/env bash
# What a microsecond of work costs a server on this machine: node:http's constant answer
# (the floor) plus SPIN_US µs of busy work per request, under the many-users load of
# run.mjs (load.lua over 10,000 distinct session cookies; the floor ignores them), pinned
# as run.mjs pins (server on core 0, wrk on core 1). Prints req/s and the server's CPU
# time per request (/proc/PID/stat) for each SPIN_US, and writes results/SPIN.md.
#   bash bench/spin.sh [SPIN_US ...]   (default: 0 5 10 15 20 30 45 60)
set -euo pipefail
cd "$(dirname "$0")"
spins=("$@")
[ "${#spins[@]}" -gt 0 ] || spins=(0 5 10 15 20 30 45 60)
users=$(mktemp)
trap 'rm -f "$users"' EXIT
node mint-users.mjs "$users"
port=5990
rows=()
for spin in "${spins[@]}"; do
  port=$((port + 1))
  PORT=$port SPIN_US=$spin taskset -c 0 node servers/floor-spin.mjs &
  pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  taskset -c 1 wrk -t1 -c32 -d2s -s load.lua "http://127.0.0.1:$port" -- /sessions/user_id "$users" >/dev/null
  before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  out=$(taskset -c 1 wrk -t1 -c32 -d5s -s load.lua "http://127.0.0.1:$port" -- /sessions/user_id "$users")
  after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  requests=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
  rate=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
  cpu=$(( (after - before) * 1000000 / $(getconf CLK_TCK) / requests ))
  echo "SPIN_US=$spin: $rate req/s, server CPU $cpu µs a request"
  rows+=("| $spin | ${rate%.*} | $cpu | $((cpu - spin)) |")
done
{
  echo "# What a microsecond of work costs here"
  echo
  echo "$(date -u +%F), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores, Node $(node -v). \`bash bench/spin.sh\`: node:http's constant answer plus SPIN_US µs of busy work a request, the many-users load, server on core 0 and wrk on core 1, 5 s after a 2 s warm-up, one run each."
  echo
  echo "| SPIN_US | req/s | server CPU µs / request | of which not the spin |"
  echo "|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} > results/SPIN.md
echo "wrote bench/results/SPIN.md"
