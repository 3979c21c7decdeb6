#!/usr/bin/env bash
# Set up (if needed) and run the test suite against a real PostgreSQL server: the kit's own
# managed local cluster, or TICKSTOCK_TEST_DATABASE_URL when set, after ruff and mypy on the package.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# the linter and the type checker first: the package must be clean (pyproject.toml [tool.ruff],
# [tool.mypy]); a finding fails the run
.venv/bin/python -m ruff check tickstock_research
.venv/bin/python -m mypy
exec .venv/bin/python -m pytest "$@"
