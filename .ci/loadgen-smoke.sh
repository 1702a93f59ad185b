#!/usr/bin/env bash
# Smoke run of cmd/loadgen (issue 5): a short status burst and a few
# seconds of mixed load against the real bot binary, plus the Bolt peer
# when its npm install is quick. Fails if the tool fails or any command
# went unanswered; the full benchmark is documented in docs/benchmarks.md
# and not run here. Budget: ≤ 60 s.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

go build -o "$out/rtkbot" ./cmd/bot
go build -o "$out/loadgen" ./cmd/loadgen

target=rtkbot
if command -v npm >/dev/null && timeout 25 npm ci --prefix bench/bolt --no-audit --no-fund --loglevel=error >"$out/npm.log" 2>&1; then
  target=both
else
  echo "loadgen-smoke: Bolt peer not installed in time (see below); running rtkbot only" >&2
  tail -5 "$out/npm.log" >&2 || true
fi

# loadgen exits non-zero on a tool error or any unanswered command.
timeout 50 "$out/loadgen" -bot "$out/rtkbot" -target "$target" \
  -scenarios bench/scenarios/smoke.json -out "$out/result.json"
echo "loadgen-smoke: ok ($target, ${SECONDS}s)"
