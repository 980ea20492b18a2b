#!/usr/bin/env bash
# `npm run test:reliability`: install what the suite needs (wrk, for the load runs; Flask
# signs some of its cookies), build, then run the whole suite (at most 10 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v wrk >/dev/null || need+=(wrk)
/usr/bin/python3 -c 'import flask' 2>/dev/null || need+=(python3-flask)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"
  else
    echo "the reliability suite needs: ${need[*]} (sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build
# 2,000 idle connections and 200 slow clients need more open files than some defaults.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node dist/reliability/run.js "$@"
