#!/usr/bin/env bash
# Installs the Node project that checks the fake Slack against Slack's own
# @slack/socket-mode client (internal/slackapp/slackfake/nodecheck), exactly
# as pinned in its package-lock.json. TestNodeSocketModeClient runs it; with
# CI=true that test fails instead of skipping when this has not run.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --prefix internal/slackapp/slackfake/nodecheck --no-audit --no-fund --loglevel=error
