#!/usr/bin/env bash
# `npm run bench`: install what the benchmark needs, then run it (bench/run.mjs).
set -euo pipefail
cd "$(dirname "$0")"
need=()
command -v wrk >/dev/null || need+=(wrk)
[ -x /usr/bin/gunicorn ] || need+=(gunicorn)
/usr/bin/python3 -c 'import flask' 2>/dev/null || need+=(python3-flask)
command -v taskset >/dev/null || need+=(util-linux)
command -v redis-server >/dev/null || need+=(redis-server) # the Redis servers' one redis-server (run.mjs starts its own)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"
  else
    echo "bench needs: ${need[*]} (sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi
[ -f ../apps/lesson/dist/src/server/main.js ] || (cd .. && npm run build)
npm ci --no-audit --no-fund --silent
node run.mjs
