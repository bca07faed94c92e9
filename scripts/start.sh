#!/usr/bin/env bash
# SalesDesk on one machine, in one command:
#   ./scripts/start.sh            (or: bash scripts/start.sh [--port 8080 ...])
# Creates .venv if missing, installs SalesDesk into it, migrates the SQLite database, loads the
# demo data the first time, then runs the web server, the job worker and the scheduler on
# http://127.0.0.1:8000 and prints the demo logins. Ctrl-C stops everything.
# Extra arguments go to `salesdesk serve` (see `salesdesk serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "SalesDesk needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1 || echo none))." >&2
    echo "Set PYTHON=/path/to/python3.11 to choose another interpreter." >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    echo "==> Creating the virtual environment .venv"
    "$PYTHON" -m venv .venv
fi

# Reinstall only when the dependencies changed since the last install.
stamp=.venv/.salesdesk-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || ! .venv/bin/python -c 'import salesdesk.cli' 2>/dev/null; then
    echo "==> Installing SalesDesk into .venv"
    .venv/bin/python -m pip install --disable-pip-version-check -q -e .
    touch "$stamp"
fi

exec .venv/bin/salesdesk serve --demo "$@"
