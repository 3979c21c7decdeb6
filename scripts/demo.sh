#!/usr/bin/env bash
# Set up (if needed), start the embedded database and run the kit's main job on it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
if .venv/bin/tickstock demo --help >/dev/null 2>&1; then
  exec .venv/bin/tickstock demo "$@"
fi
.venv/bin/tickstock db start
.venv/bin/tickstock db init
exec .venv/bin/tickstock db info
