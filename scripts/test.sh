#!/usr/bin/env bash
# The whole test suite, in one command:   bash scripts/test.sh
# 1. creates/updates .venv with the test dependencies ('.[test]');
# 2. ruff format --check, ruff check, makemigrations --check;
# 3. pytest on SQLite (tests/e2e excluded, 2 processes);
# 4. pytest again on PostgreSQL (starts the local server if needed; in CI it must work);
# 5. the browser tests in tests/e2e with headless Debian chromium (installed when missing, as root).
# Environment: CI=true makes every missing service a failure instead of a skip;
# SALESDESK_TEST_DATABASE_URL overrides the PostgreSQL URL; PYTHON picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
PG_URL="${SALESDESK_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/salesdesk_test}"
in_ci() { case "${CI:-}" in [Tt][Rr][Uu][Ee] | 1 | yes) return 0 ;; *) return 1 ;; esac; }
step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }
started=$SECONDS

step "Virtual environment (.venv) with the test dependencies"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || fail "Python 3.11 or newer is needed"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --disable-pip-version-check -q -e '.[test]'
touch .venv/.salesdesk-installed

# Tests never use the developer's own database, queue or settings.
unset DATABASE_URL REDIS_URL SQLITE_PATH DJANGO_SETTINGS_MODULE HUEY_NAME
export SALESDESK_DATA_DIR="${SALESDESK_DATA_DIR:-$PWD/var/test}"
mkdir -p "$SALESDESK_DATA_DIR/static"

step "ruff format --check"
.venv/bin/ruff format --check .
step "ruff check"
.venv/bin/ruff check .
step "makemigrations --check"
DJANGO_SETTINGS_MODULE=config.settings.dev .venv/bin/python manage.py makemigrations --check --dry-run

# Run pytest; exit 5 (no tests collected) counts as a failure.
run_pytest() {
    local label=$1
    shift
    local rc=0
    .venv/bin/pytest "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then fail "$label: pytest collected no tests"; fi
    if [ "$rc" -ne 0 ]; then fail "$label: pytest exited with $rc"; fi
}

xdist=()
if .venv/bin/python -c 'import xdist' 2>/dev/null; then xdist=(-n 2); fi

redis_up() { .venv/bin/python -c 'import redis; redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()' 2>/dev/null; }
if ! redis_up && command -v redis-server >/dev/null; then
    step "Starting the local Redis server (for the job-consumer test)"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
fi

step "pytest on SQLite"
run_pytest "SQLite" "${xdist[@]}" --ignore=tests/e2e

step "pytest on PostgreSQL ($PG_URL)"
pg_up() {
    .venv/bin/python - "$PG_URL" <<'PY' 2>/dev/null
import sys
import psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
psycopg.connect(url, connect_timeout=3).close()
PY
}
if ! pg_up && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is not reachable; starting the local server"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if pg_up; then
    DATABASE_URL="$PG_URL" run_pytest "PostgreSQL" "${xdist[@]}" --ignore=tests/e2e
elif in_ci; then
    fail "PostgreSQL at $PG_URL cannot be reached (CI=true: the PostgreSQL pass is required)"
else
    echo "WARNING: PostgreSQL at $PG_URL cannot be reached: the PostgreSQL pass is SKIPPED." >&2
fi

step "Browser tests (tests/e2e, headless chromium)"
if [ -d tests/e2e ]; then
    if [ ! -x /usr/bin/chromium ]; then
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
            echo "Installing Debian's chromium and fonts-noto-cjk"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
        elif in_ci; then
            fail "/usr/bin/chromium is missing and cannot be installed (not root)"
        fi
    fi
    if [ -x /usr/bin/chromium ]; then
        run_pytest "Browser tests" tests/e2e
    else
        echo "WARNING: /usr/bin/chromium is missing: browser tests SKIPPED (apt-get install chromium fonts-noto-cjk)" >&2
    fi
else
    echo "No tests/e2e directory yet: nothing to run."
fi

printf '\nAll checks passed in %d s.\n' "$((SECONDS - started))"
