#!/usr/bin/env bash
# Set up (if needed) and run the test suite against a real PostgreSQL server: the kit's own
# managed local cluster, or TICKSTOCK_TEST_DATABASE_URL when set. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
