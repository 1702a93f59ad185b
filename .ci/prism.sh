#!/usr/bin/env bash
# Installs Stoplight Prism (the OpenAPI mock server used by the RealtimeKit
# contract tests in internal/realtime) from the npm registry into .cache/prism,
# which is gitignored, and prints the path of the prism binary on stdout.
# Re-running it is cheap: an installed matching version is reused.
#
#   PRISM_BIN=$(bash .ci/prism.sh) go test ./internal/realtime/ -run Contract
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.16.0
prefix=.cache/prism
bin="$PWD/$prefix/node_modules/.bin/prism"

if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "$version" ]; then
  mkdir -p "$prefix"
  # Progress goes to stderr so stdout carries only the path.
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
    "@stoplight/prism-cli@$version" >&2
fi
"$bin" --version >/dev/null
echo "$bin"
