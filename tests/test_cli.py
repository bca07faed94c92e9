"""The `salesdesk` command line: usage errors, createadmin, check, backup/restore, demo, serve."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from salesdesk.cli import main
from salesdesk.core.models import AuditEvent
from salesdesk.org.models import OrgUnit, User

ROOT = Path(__file__).resolve().parents[1]
STRONG = "Admin-Password-2026!"


# ---- usage ----------------------------------------------------------------------------------


def test_no_command_prints_usage_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: salesdesk" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["demo", "--size", "huge"], "invalid choice: 'huge'"),
        (["serve", "--port", "eighty"], "invalid int value: 'eighty'"),
        (["restore"], "the following arguments are required: file"),
    ],
)
def test_misuse_is_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


# ---- createadmin -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_createadmin_on_an_empty_database_creates_admin_and_company(monkeypatch, capsys):
    monkeypatch.setenv("SALESDESK_ADMIN_PASSWORD", STRONG)
    assert (
        main(
            [
                "createadmin",
                "--noinput",
                "--username",
                "boss",
                "--email",
                "b@example.com",
                "--company",
                "星辰科技",
            ]
        )
        == 0
    )
    user = User.objects.get(username="boss")
    assert user.role.code == "admin" and user.is_staff and user.is_superuser and user.is_active
    assert user.check_password(STRONG)
    assert user.email == "b@example.com"
    root = OrgUnit.objects.get()
    assert (root.name, root.kind, root.path, root.depth) == (
        "星辰科技",
        "company",
        f"/{root.pk}/",
        0,
    )
    assert user.unit == root
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.USER_CREATED)
    assert event.target_id == str(user.pk) and event.data["via"] == "salesdesk createadmin"
    assert "Administrator 'boss' created" in capsys.readouterr().out


@pytest.mark.django_db
def test_createadmin_reuses_the_existing_company_unit(org):
    assert main(["createadmin", "--noinput", "--username", "second", "--password", STRONG]) == 0
    assert User.objects.get(username="second").unit == org.hq
    assert OrgUnit.objects.filter(parent__isnull=True).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "argv, env, message",
    [
        (["--noinput"], {}, "--noinput needs --password or the SALESDESK_ADMIN_PASSWORD"),
        (
            ["--noinput", "--username", "new", "--password", "short"],
            {},
            "This password is too short",
        ),
        (
            ["--noinput", "--username", "new", "--password", "123456789012345"],
            {},
            "This password is entirely numeric",
        ),
        (
            ["--noinput", "--username", "admin"],
            {"SALESDESK_ADMIN_PASSWORD": STRONG},
            "a user named 'admin' already exists",
        ),
        (
            ["--noinput", "--username", "new", "--email", "nope"],
            {"SALESDESK_ADMIN_PASSWORD": STRONG},
            "invalid email address 'nope'",
        ),
    ],
)
def test_createadmin_refuses_bad_input_and_changes_nothing(
    org, argv, env, message, monkeypatch, capsys
):
    monkeypatch.delenv("SALESDESK_ADMIN_PASSWORD", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    users = User.objects.count()
    assert main(["createadmin", *argv]) == 1
    assert message in capsys.readouterr().err
    assert User.objects.count() == users
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_createadmin_without_a_terminal_needs_noinput(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", open(os.devnull))  # noqa: SIM115
    assert main(["createadmin"]) == 1
    assert "no terminal" in capsys.readouterr().err
    assert not User.objects.exists()


# ---- check -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_reports_every_part(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    for line in (
        "[ok] settings",
        "[ok] system checks",
        "[ok] database reachable",
        "[ok] migrations applied",
        "[ok] job queue",
    ):
        assert line in out
    assert "Everything looks fine." in out


# ---- subprocess helpers: a SQLite file database in a temporary data directory -----------------


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(SALESDESK_DATA_DIR=str(data_dir), LOG_LEVEL="WARNING", **extra)
    return env


def salesdesk(
    env: dict, *args: str, expect: int = 0, timeout: int = 180, stdin=subprocess.DEVNULL
) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "salesdesk.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=stdin,
    )
    assert done.returncode == expect, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def query(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_demo_only_builds_the_named_domains_and_what_they_need(tmp_path):
    env = cli_env(tmp_path)
    db = tmp_path / "salesdesk.sqlite3"
    assert (
        "unknown demo builders: nope" in salesdesk(env, "demo", "--only", "nope", expect=1).stderr
    )
    assert (
        not db.exists() or query(db, "SELECT name FROM sqlite_master WHERE name='org_user'") == []
    )
    salesdesk(env, "demo", "--only", "customers")
    assert query(db, "SELECT COUNT(*) FROM org_user") == [(59,)]
    assert query(db, "SELECT COUNT(*) > 1000 FROM customers_customer") == [(1,)]
    assert query(db, "SELECT COUNT(*) FROM pipeline_opportunity") == [(0,)]
    assert query(db, "SELECT COUNT(*) FROM sales_contract") == [(0,)]


def test_demo_backup_restore_round_trip_on_sqlite(tmp_path):
    env = cli_env(tmp_path)
    db = tmp_path / "salesdesk.sqlite3"
    out = salesdesk(env, "demo", "--size", "small").stdout
    assert "Demo logins (password for every demo user: SalesDesk-Demo-2026)" in out
    assert query(db, "SELECT COUNT(*) FROM org_user") == [(59,)]
    # A second run refuses to overwrite.
    err = salesdesk(env, "demo", expect=1).stderr
    assert "already has users. Use --reset" in err

    backup = tmp_path / "b" / "backup.sqlite3"
    assert "Backup written to" in salesdesk(env, "backup", "--output", str(backup)).stdout
    assert query(backup, "SELECT COUNT(*) FROM org_user") == [(59,)]
    # The demo's only audit event is the lock of an earlier commission period; then the backup.
    events = "SELECT kind, username FROM core_auditevent ORDER BY id"
    assert query(db, events) == [("commission_period_locked", "admin"), ("backup", "cli")]
    assert "exists" in salesdesk(env, "backup", "--output", str(backup), expect=1).stderr

    salesdesk(env, "createadmin", "--noinput", "--username", "later", "--password", STRONG)
    assert query(db, "SELECT COUNT(*) FROM org_user") == [(60,)]

    # No terminal and no --yes: refuse.
    assert "add --yes" in salesdesk(env, "restore", str(backup), expect=1).stderr
    assert query(db, "SELECT COUNT(*) FROM org_user") == [(60,)]
    salesdesk(env, "restore", str(backup), "--yes")
    assert query(db, "SELECT COUNT(*) FROM org_user") == [(59,)]
    assert query(db, "SELECT COUNT(*) FROM org_user WHERE username='later'") == [(0,)]
    # The database before the restore was kept.
    saved = list((tmp_path / "backups").glob("pre-restore-*.sqlite3"))
    assert len(saved) == 1 and query(saved[0], "SELECT COUNT(*) FROM org_user") == [(60,)]

    not_a_db = tmp_path / "junk.sqlite3"
    not_a_db.write_bytes(b"not a database at all" * 100)
    assert (
        "is not a SQLite database"
        in salesdesk(env, "restore", str(not_a_db), "--yes", expect=1).stderr
    )
    assert (
        "not found" in salesdesk(env, "restore", str(tmp_path / "nope"), "--yes", expect=1).stderr
    )
    assert query(db, "SELECT COUNT(*) FROM org_user") == [(59,)]

    # --reset rebuilds with another seed.
    salesdesk(env, "demo", "--reset", "--seed", "3")
    assert query(db, "SELECT COUNT(*) FROM org_user WHERE username IN ('admin','rep','lead')") == [
        (3,)
    ]


def test_check_fails_on_unapplied_migrations_and_bad_settings(tmp_path):
    env = cli_env(tmp_path)
    done = salesdesk(env, "check", expect=1)
    assert "[FAIL] migrations applied" in done.stdout and "unapplied" in done.stdout
    bad = cli_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="")
    done = salesdesk(bad, "check", expect=1)
    assert "[FAIL] settings" in done.stdout and "SECRET_KEY" in done.stdout


def test_manage_passes_through_to_django(tmp_path):
    env = cli_env(tmp_path)
    assert "showmigrations" in salesdesk(env, "manage", "help").stdout
    done = salesdesk(env, "manage", "migrate", "--plan")
    assert "org.0001_initial" in done.stdout
    salesdesk(env, "manage", "nosuchcommand", expect=1)


def pg_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.mark.skipif(
    pg_url() is None,
    reason="PostgreSQL backup/restore runs in the PostgreSQL pass (DATABASE_URL=postgres://…)",
)
def test_backup_restore_round_trip_on_postgresql(tmp_path):
    import psycopg

    base = pg_url()
    name = f"salesdesk_cli_{uuid.uuid4().hex[:10]}"
    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    env = cli_env(tmp_path, DATABASE_URL=base.rsplit("/", 1)[0] + "/" + name)
    try:
        salesdesk(env, "demo")
        backup = tmp_path / "pg.dump"
        salesdesk(env, "backup", "-o", str(backup))
        assert backup.read_bytes()[:5] == b"PGDMP"
        salesdesk(env, "createadmin", "--noinput", "--username", "later", "--password", STRONG)
        salesdesk(env, "restore", str(backup), "--yes")
        out = salesdesk(
            env,
            "manage",
            "shell",
            "-c",
            "from salesdesk.org.models import User; print(User.objects.count(), "
            "User.objects.filter(username='later').count())",
        ).stdout
        assert out.strip().splitlines()[-1] == "59 0"
        salesdesk(env, "check")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---- serve -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local test server
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serve_runs_web_and_worker_and_stops_both_on_ctrl_c(tmp_path):
    env = cli_env(tmp_path)
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "salesdesk.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
                "--demo",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while "Press Ctrl-C to stop." not in log.read_text():
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
            assert get(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js") == 200
            assert get(f"http://127.0.0.1:{port}/account/login/") == 200
            # The port is taken now: a second server refuses with a clear message.
            second = salesdesk(env, "serve", "--port", str(port), expect=1)
            assert "already in use" in second.stderr
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=60)
    text = log.read_text()
    assert code == 0, text
    assert "Demo logins (password for every demo user: SalesDesk-Demo-2026)" in text
    assert "job worker + scheduler" in text
    assert "Huey consumer started" in text and "Consumer exiting." in text
    assert "SalesDesk stopped." in text
    assert query(tmp_path / "salesdesk.sqlite3", "SELECT COUNT(*) FROM org_user") == [(59,)]
    # Children are gone: the port is free again.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
