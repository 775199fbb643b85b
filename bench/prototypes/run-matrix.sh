#!/bin/bash
# Runs the ingest matrix (each config twice) and appends JSON lines to $OUT.
cd "$(dirname "$0")"
NODE="$(cd ../.. && pwd)/node_modules/.bin/node"
OUT=${OUT:-/tmp/trib-proto/ingest-results.jsonl}
N=${N:-1000000}
run() { for rep in 1 2; do $NODE --max-old-space-size=8000 ingest.ts --records $N "$@" >> "$OUT" || echo "FAILED $*" >&2; done; }
while read -r line; do [ -n "$line" ] && run $line; done <<CONFIGS
${CONFIGS:---layout c --batch 30000}
CONFIGS
