#!/usr/bin/env bash
# Finds or builds the Temporal CLI (dev server) and the Java time-skipping test server into .tollgate/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx src/provision/provision.ts "$@"
