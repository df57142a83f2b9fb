#!/usr/bin/env bash
# Chaos test of a containerized RingDB cluster: `ringdb chaos` from this work tree (see
# `scripts/chaos.sh --help` and docs/deployment.md). Builds the CLI first if it is not built.
#   docker compose up -d && scripts/chaos.sh --duration 120 --router-admin http://127.0.0.1:9101
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$ROOT/packages/cli/dist/main.js" ]; then
  (cd "$ROOT" && npx tsc -b)
fi
exec node "$ROOT/packages/cli/dist/main.js" chaos "$@"
