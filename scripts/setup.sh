#!/usr/bin/env bash
# Set up everything the kit needs; idempotent, safe to re-run, fast when nothing is missing.
#   1. PostgreSQL server binaries and TimescaleDB (scripts/install_system_deps.sh; root + apt only,
#      otherwise it prints what to install and the kit continues on plain PostgreSQL);
#   2. a virtual environment in .venv with the package installed editable, with its dev extras.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install_system_deps.sh

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv" >&2
  "${PYTHON}" -m venv .venv
fi
stamp=".venv/.tickstock-installed"
want="$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "${stamp}" ] || [ "$(cat "${stamp}")" != "${want}" ] || [ ! -x .venv/bin/tickstock ]; then
  echo "[setup] installing the package and its dependencies into .venv (log: .venv/setup.log)" >&2
  if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -e ".[dev]"; } \
       > .venv/setup.log 2>&1; then
    grep -v "^WARNING: Location" .venv/setup.log | tail -n 30 >&2
    echo "[setup] installation failed; see .venv/setup.log" >&2
    exit 1
  fi
  .venv/bin/python -c "import tickstock_research" || { echo "[setup] installation failed" >&2; exit 1; }
  echo "${want}" > "${stamp}"
fi
