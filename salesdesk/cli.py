"""The `salesdesk` command line (DAT-3): serve, demo, createadmin, backup, restore, check, manage.

Run `salesdesk --help` or `salesdesk <command> --help`. Settings come from the environment as for
the web app (see README.md); DJANGO_SETTINGS_MODULE defaults to config.settings.dev.
Exit status: 0 on success, 1 when the command failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

DEFAULT_SETTINGS = "config.settings.dev"


class CommandFailed(Exception):
    """A command could not do its work; the message tells the user why and what to do."""


def _out(message: str = "") -> None:
    print(message, flush=True)


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise CommandFailed(f"configuration error: {exc}") from exc
    # Messages of the command line are English, Django's too (password policy …), as in
    # Django's own management commands.
    from django.utils.translation import activate, trans_real

    if "previous" not in _language_state:
        _language_state["previous"] = getattr(trans_real._active, "value", None)
    activate("en")


_language_state: dict = {}


def _restore_language() -> None:
    """Put back the translation active before the command (matters when called in-process)."""
    if "previous" not in _language_state:
        return
    from django.utils.translation import deactivate, trans_real

    previous = _language_state.pop("previous")
    if previous is None:
        deactivate()
    else:
        trans_real._active.value = previous


def _db_vendor() -> str:
    from django.db import connection

    return connection.vendor


def _sqlite_path() -> Path:
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise CommandFailed("the database is in memory; there is no file to back up or restore")
    return Path(name)


def _unapplied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    pending = _unapplied_migrations()
    if pending:
        _out(f"Applying {len(pending)} database migration(s)…")
        call_command("migrate", interactive=False, verbosity=verbosity)


def _print_demo_logins() -> None:
    from salesdesk.demo.builders.org import DEMO_LOGINS, DEMO_PASSWORD

    _out(f"Demo logins (password for every demo user: {DEMO_PASSWORD}):")
    width = max(len(username) for username, _r, _d in DEMO_LOGINS)
    for username, _role, description in DEMO_LOGINS:
        _out(f"  {username.ljust(width)}  {description}")


# ---- demo ---------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from salesdesk.demo.registry import registry
    from salesdesk.demo.runner import DemoDataError, build_demo

    only = [name.strip() for name in args.only.split(",") if name.strip()] if args.only else None
    try:
        registry.ordered(only)
    except ValueError as exc:
        raise CommandFailed(str(exc)) from exc
    _migrate()
    _out(f"Building {args.size} demo data (seed {args.seed})…")
    try:
        result = build_demo(size=args.size, seed=args.seed, reset=args.reset, only=only)
    except DemoDataError as exc:
        raise CommandFailed(str(exc)) from exc
    counts = ", ".join(f"{count:,} {label}" for label, count in sorted(result.counts.items()))
    _out(f"Done in {result.seconds:.1f} s: {counts}.")
    _print_demo_logins()
    return 0


# ---- createadmin --------------------------------------------------------------------------


def _prompt(label: str, default: str = "") -> str:
    suffix = f" [{default}]" if default else ""
    value = input(f"{label}{suffix}: ").strip()
    return value or default


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup_django()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.db import transaction

    from salesdesk.core.audit import audit_record
    from salesdesk.core.models import AuditEvent
    from salesdesk.org.models import OrgUnit, Role, User

    _migrate()
    username, email, password = args.username, args.email or "", args.password
    if args.noinput:
        username = username or "admin"
        password = password or os.environ.get("SALESDESK_ADMIN_PASSWORD", "")
        if not password:
            raise CommandFailed(
                "--noinput needs --password or the SALESDESK_ADMIN_PASSWORD environment variable"
            )
    else:
        if not sys.stdin.isatty() and not (username and password):
            raise CommandFailed(
                "no terminal to ask for the username and password: pass "
                "--username and --password, or use --noinput with "
                "SALESDESK_ADMIN_PASSWORD"
            )
        username = username or _prompt("Username", "admin")
        if args.email is None:
            email = _prompt("Email (optional)")
        if not password:
            password = getpass.getpass("Password (at least 12 characters): ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandFailed("the passwords do not match")
    username = username.strip()
    if not username:
        raise CommandFailed("the username must not be empty")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandFailed(f"invalid email address {email!r}") from exc
    if User.objects.filter(username__iexact=username).exists():
        raise CommandFailed(f"a user named {username!r} already exists")
    role = Role.objects.filter(code=Role.Code.ADMIN).first()
    if role is None:
        raise CommandFailed("the administrator role is missing; run `salesdesk manage migrate`")
    user = User(
        username=username,
        email=email,
        role=role,
        is_staff=True,
        is_superuser=True,
        display_name=args.display_name or username,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise CommandFailed("password rejected: " + " ".join(exc.messages)) from exc
    with transaction.atomic():
        root = OrgUnit.objects.filter(parent__isnull=True).order_by("id").first()
        if root is None:
            root = OrgUnit.objects.create(name=args.company, kind=OrgUnit.Kind.COMPANY)
            root.path, root.depth = f"/{root.pk}/", 0
            OrgUnit.all_objects.filter(pk=root.pk).update(path=root.path, depth=0)
            _out(f"Created the company unit {root.name!r}.")
        user.unit = root
        user.set_password(password)
        user.save()
        audit_record(
            kind=AuditEvent.Kind.USER_CREATED,
            target=user,
            username="cli",
            data={"role": role.code, "via": "salesdesk createadmin"},
        )
    _out(f"Administrator {username!r} created in {root.name!r}. Sign in at /account/login/.")
    return 0


# ---- backup / restore ---------------------------------------------------------------------


def _default_backup_path(vendor: str) -> Path:
    from django.conf import settings

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if vendor == "sqlite" else "dump"
    return Path(settings.DATA_DIR) / "backups" / f"salesdesk-{stamp}.{suffix}"


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    from django.db import connection

    cfg = connection.settings_dict
    env = dict(os.environ)
    if cfg.get("PASSWORD"):
        env["PGPASSWORD"] = str(cfg["PASSWORD"])
    args: list[str] = []
    if cfg.get("HOST"):
        args += ["--host", str(cfg["HOST"])]
    if cfg.get("PORT"):
        args += ["--port", str(cfg["PORT"])]
    if cfg.get("USER"):
        args += ["--username", str(cfg["USER"])]
    args += ["--dbname", str(cfg["NAME"])]
    return env, args


def _need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandFailed(
            f"{name} not found: install the PostgreSQL client tools "
            f"(Debian: apt-get install postgresql-client)"
        )
    return path


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy one SQLite database to another with the online backup API (consistent while the
    source is in use; the target is written under SQLite's own locks)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(str(target), timeout=30)
        try:
            src.backup(dst, pages=4096)
        finally:
            dst.close()
    finally:
        src.close()


def _sqlite_verify(path: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (status,) = con.execute("PRAGMA integrity_check").fetchone()
            has_migrations = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise CommandFailed(f"{path} is not a SQLite database: {exc}") from exc
    if status != "ok":
        raise CommandFailed(f"{path} fails the SQLite integrity check: {status}")
    if not has_migrations:
        raise CommandFailed(f"{path} is not a SalesDesk database (no django_migrations table)")


def cmd_backup(args: argparse.Namespace) -> int:
    _setup_django()
    from django.db import connection

    from salesdesk.core.audit import audit_record
    from salesdesk.core.models import AuditEvent

    vendor = _db_vendor()
    output = (
        Path(args.output).expanduser().resolve() if args.output else _default_backup_path(vendor)
    )
    if output.exists() and not args.force:
        raise CommandFailed(f"{output} exists; choose another --output or add --force")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    if vendor == "sqlite":
        source = _sqlite_path()
        if not source.exists():
            raise CommandFailed(f"database file {source} does not exist")
        _sqlite_copy(source, partial)
        _sqlite_verify(partial)
    elif vendor == "postgresql":
        env, db_args = _pg_env_and_args()
        cmd = [
            _need_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--file",
            str(partial),
            *db_args,
        ]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise CommandFailed(f"pg_dump failed: {done.stderr.strip()}")
    else:
        raise CommandFailed(f"backups of {vendor} databases are not supported")
    partial.replace(output)
    size = output.stat().st_size
    connection.close()
    audit_record(
        kind=AuditEvent.Kind.BACKUP,
        username="cli",
        data={"file": str(output), "bytes": size, "engine": vendor},
    )
    _out(f"Backup written to {output} ({size:,} bytes, {time.perf_counter() - started:.1f} s).")
    return 0


def _confirm(question: str, assume_yes: bool) -> None:
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise CommandFailed("not confirmed: add --yes to restore without a question")
    if input(f"{question} Type 'yes' to continue: ").strip().lower() != "yes":
        raise CommandFailed("restore cancelled")


def cmd_restore(args: argparse.Namespace) -> int:
    _setup_django()
    from django.db import connections

    source = Path(args.file).expanduser().resolve()
    if not source.is_file():
        raise CommandFailed(f"backup file {source} not found")
    vendor = _db_vendor()
    if vendor == "sqlite":
        target = _sqlite_path()
        _sqlite_verify(source)
        _confirm(
            f"This replaces every record in {target} with the backup {source}. Stop "
            "`salesdesk serve` and the job workers first.",
            args.yes,
        )
        connections.close_all()
        if target.exists():
            safety = _default_backup_path(vendor).with_name(
                f"pre-restore-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
            )
            safety.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(target, safety)
            _out(f"Saved the current database to {safety}.")
        try:
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            dst = sqlite3.connect(str(target), timeout=5)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        except sqlite3.OperationalError as exc:
            raise CommandFailed(
                f"could not write {target} ({exc}): is SalesDesk still "
                "running? Stop it and try again"
            ) from exc
    elif vendor == "postgresql":
        _confirm(
            f"This replaces every table of database "
            f"{connections['default'].settings_dict['NAME']!r} with the backup {source}.",
            args.yes,
        )
        connections.close_all()
        env, db_args = _pg_env_and_args()
        cmd = [
            _need_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *db_args,
            str(source),
        ]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise CommandFailed(f"pg_restore failed: {done.stderr.strip()}")
    else:
        raise CommandFailed(f"restores of {vendor} databases are not supported")
    _out(f"Restored {source}.")
    pending = _unapplied_migrations()
    if pending:
        _out(
            f"The backup is from an older version: run `salesdesk manage migrate` "
            f"({len(pending)} migration(s) to apply)."
        )
    return 0


# ---- check --------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    problems = 0

    def report(ok: bool, what: str, detail: str = "") -> None:
        nonlocal problems
        problems += 0 if ok else 1
        _out(f"[{'ok' if ok else 'FAIL'}] {what}{': ' + detail if detail else ''}")

    try:
        _setup_django()
    except CommandFailed as exc:
        report(False, "settings", str(exc))
        return 1
    from django.conf import settings
    from django.core import checks
    from django.db import connection

    report(True, "settings", os.environ["DJANGO_SETTINGS_MODULE"])
    messages = checks.run_checks(include_deployment_checks=args.deploy)
    serious = [
        m
        for m in messages
        if m.level >= checks.ERROR or (args.deploy and m.is_serious(checks.WARNING))
    ]
    for message in messages:
        _out(f"       {message}")
    report(not serious, "system checks", f"{len(messages)} message(s)" if messages else "")

    db_ok = False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db_ok = True
        report(
            True, "database reachable", f"{connection.vendor} {connection.settings_dict['NAME']}"
        )
    except Exception as exc:  # any driver error means "not reachable"
        report(False, "database reachable", str(exc).strip().splitlines()[0] if str(exc) else "")
    if db_ok:
        pending = _unapplied_migrations()
        report(
            not pending,
            "migrations applied",
            f"{len(pending)} unapplied: run `salesdesk manage migrate`" if pending else "",
        )

    try:
        from huey.contrib.djhuey import HUEY

        if HUEY.immediate:
            report(True, "job queue", "immediate mode (jobs run in-process)")
        else:
            storage = HUEY.storage
            if hasattr(storage, "conn") and hasattr(storage.conn, "ping"):
                storage.conn.ping()
            pending_jobs = HUEY.pending_count()
            report(
                True,
                "job queue reachable",
                f"{type(HUEY).__name__} {HUEY.name!r}, {pending_jobs} job(s) waiting",
            )
    except Exception as exc:  # redis / sqlite errors of the queue storage
        report(False, "job queue reachable", f"{exc}")
    del settings
    if problems:
        _err(f"{problems} problem(s) found.")
        return 1
    _out("Everything looks fine.")
    return 0


# ---- serve --------------------------------------------------------------------------------


def _static_stamp() -> str:
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda item: item[0]):
            try:
                stat = os.stat(storage.path(path))
            except (NotImplementedError, OSError):
                continue
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _collectstatic_if_needed() -> None:
    from django.conf import settings
    from django.core.management import call_command

    root = Path(settings.STATIC_ROOT)
    stamp_file = root / ".salesdesk-static-stamp"
    stamp = _static_stamp()
    if stamp_file.exists() and stamp_file.read_text().strip() == stamp:
        return
    _out("Collecting static files…")
    call_command("collectstatic", interactive=False, verbosity=0)
    root.mkdir(parents=True, exist_ok=True)
    stamp_file.write_text(stamp + "\n")


def _wait_for_port(host: str, port: int, proc: subprocess.Popen, timeout: float = 60.0) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((target, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()
    from salesdesk.demo.runner import build_demo, database_has_users

    if not 0 < args.port < 65536:
        raise CommandFailed(f"invalid port {args.port}")
    if args.workers < 1:
        raise CommandFailed("--workers must be at least 1")
    if not _port_free(args.host, args.port):
        raise CommandFailed(
            f"{args.host}:{args.port} is already in use: stop the other server "
            f"or choose another --port"
        )
    _migrate()
    _collectstatic_if_needed()
    if args.demo and not database_has_users():
        _out("First start: loading the small demo data set…")
        result = build_demo(size="small")
        _out(f"Demo data loaded in {result.seconds:.1f} s.")
    elif not database_has_users():
        _out(
            "The database has no users yet: create the first administrator with "
            "`salesdesk createadmin` (or start with --demo for demo data)."
        )

    from django.db import connections

    from salesdesk.demo.builders.org import DEMO_LOGINS
    from salesdesk.org.models import User

    demo_names = [username for username, _role, _description in DEMO_LOGINS]
    demo_logins_present = User.objects.filter(username__in=demo_names).count() == len(demo_names)
    connections.close_all()
    env = dict(os.environ)
    children: dict[str, subprocess.Popen] = {}
    web_cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "20",
        "--timeout",
        "120",
        "--preload",  # load the app once, share it between the workers (config/wsgi.py)
    ]
    if _gunicorn_has_control_socket():
        # One control socket per user would clash between several SalesDesk servers.
        web_cmd.append("--no-control-socket")
    children["web"] = subprocess.Popen(web_cmd, env=env)
    if not args.no_worker:
        worker_cmd = [sys.executable, "-m", "django", "run_huey", "--flush-locks"]
        children["worker"] = subprocess.Popen(worker_cmd, env=env)

    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum

    previous = {
        sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    failed = False
    try:
        if _wait_for_port(args.host, args.port, children["web"]):
            url = f"http://{args.host}:{args.port}/"
            _out("")
            _out(
                f"SalesDesk is running on {url}"
                + ("" if args.no_worker else " (web server + job worker + scheduler)")
            )
            if args.demo and demo_logins_present:
                _print_demo_logins()
            _out("Press Ctrl-C to stop.")
        while stop["signal"] is None:
            for name, proc in children.items():
                code = proc.poll()
                if code is not None:
                    _err(f"The {name} process stopped unexpectedly (exit status {code}).")
                    failed = True
            if failed:
                break
            time.sleep(0.3)
    finally:
        _stop_children(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stop["signal"] is not None and not failed:
        _out("SalesDesk stopped.")
    return 1 if failed else 0


def _gunicorn_has_control_socket() -> bool:
    try:
        from gunicorn import config
    except ImportError as exc:
        raise CommandFailed("gunicorn is not installed: pip install -e .") from exc
    return hasattr(config, "ControlSocketDisable")


def _stop_children(children: dict[str, subprocess.Popen], timeout: float = 25.0) -> None:
    # gunicorn: TERM = graceful stop; Huey consumer: INT = graceful stop (finish running jobs).
    graceful = {"web": signal.SIGTERM, "worker": signal.SIGINT}
    for name, proc in children.items():
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(graceful.get(name, signal.SIGTERM))
    deadline = time.monotonic() + timeout
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- manage -------------------------------------------------------------------------------


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["salesdesk manage", *args.args])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


# ---- import / export ----------------------------------------------------------------------


def _cli_user(username: str | None):
    from salesdesk.org.models import DataScope, User

    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandFailed(f"no user {username!r}")
    else:
        user = User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
        if user is None:
            user = next(
                (
                    u
                    for u in User.objects.filter(is_active=True).order_by("pk")
                    if u.data_scope == DataScope.ALL
                ),
                None,
            )
        if user is None:
            raise CommandFailed("no administrator found; pass --user USERNAME")
    if not user.is_active:
        raise CommandFailed(f"user {user.username!r} is deactivated")
    return user


def cmd_import(args: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings
    from django.core.exceptions import PermissionDenied, ValidationError

    from salesdesk.imports.services import job_create, job_execute, job_issues, job_start

    path = Path(args.file)
    if not path.is_file():
        raise CommandFailed(f"no such file: {path}")
    user = _cli_user(args.user)
    # The command line runs the import itself, whatever its size, and shows the result.
    settings.SALESDESK_IMPORT_INLINE_ROWS = 10**9
    try:
        job = job_create(
            actor=user,
            entity=args.entity,
            file_name=path.name,
            data=path.read_bytes(),
            duplicate_policy=args.policy,
            all_or_nothing=not args.partial,
        )
        if job.status == job.Status.PREVIEWED:
            job = job_start(job=job, actor=user)
            if not job.is_finished:
                job = job_execute(job.pk)
    except (ValidationError, PermissionDenied) as exc:
        raise CommandFailed(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
    _out(f"{job.file_name}: {job.total_rows} rows. {job.message}")
    for issue in job_issues(job)[: args.show_errors]:
        kind = "skipped" if issue.skipped else "error"
        _out(f"  row {issue.row}, {issue.column}: {issue.message} ({kind})")
    return 0 if job.status == job.Status.DONE else 1


def cmd_export(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.exceptions import PermissionDenied

    from salesdesk.customers.exports import customer_export
    from salesdesk.imports.exporters import csv_lines, xlsx_tempfile

    user = _cli_user(args.user)
    fmt = args.format or (Path(args.output).suffix.lstrip(".") if args.output else "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise CommandFailed("--format must be xlsx or csv")
    output = Path(args.output or f"customers-{datetime.now():%Y%m%d-%H%M%S}.{fmt}")
    try:
        headers, rows, count = customer_export(actor=user, file_format=fmt)
    except PermissionDenied as exc:
        raise CommandFailed(
            f"user {user.username!r} may not export (no export permission)"
        ) from exc
    if fmt == "csv":
        with output.open("w", encoding="utf-8", newline="") as handle:
            for line in csv_lines(headers, rows):
                handle.write(line)
    else:
        handle, _count = xlsx_tempfile("customers", headers, rows)
        with handle, output.open("wb") as target:
            shutil.copyfileobj(handle, target)
    _out(f"Exported {count} customers to {output}.")
    return 0


# ---- parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from salesdesk.demo.sizes import SIZES

    parser = argparse.ArgumentParser(
        prog="salesdesk",
        description="SalesDesk (销售管理系统): self-hosted sales management.",
        epilog="Settings come from environment variables (DATABASE_URL, REDIS_URL, SECRET_KEY, "
        "…); see README.md.",
    )
    parser.add_argument("--version", action="version", version=f"salesdesk {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "serve",
        help="migrate, then run the web server and the job worker",
        description="Apply migrations, collect static files if needed, then run "
        "gunicorn (web) and the Huey consumer (jobs and scheduler) "
        "until Ctrl-C.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=2, help="web worker processes (default 2)")
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start the job worker (run it elsewhere: salesdesk manage run_huey)",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="load demo data on first start (empty database) and print the demo logins",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "demo",
        help="build the demo organisation",
        description="Build deterministic demo data (same seed, same data).",
    )
    p.add_argument(
        "--size",
        choices=list(SIZES),
        default="small",
        help="small ≈ 60 users, medium ≈ 600, large ≈ 5,000 (default small)",
    )
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument(
        "--reset",
        action="store_true",
        help="DELETE all users, org units and demo records first, then rebuild",
    )
    p.add_argument(
        "--only",
        metavar="DOMAINS",
        help="build only these domains and what they need, comma-separated "
        "(e.g. customers,pool for a customer benchmark); default: everything",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "createadmin",
        help="create the first administrator",
        description="Create an administrator (admin role, staff, superuser) and "
        "the company root unit if there is none.",
    )
    p.add_argument("--username")
    p.add_argument("--email")
    p.add_argument("--password", help="prefer the prompt or SALESDESK_ADMIN_PASSWORD")
    p.add_argument("--display-name", default="")
    p.add_argument(
        "--company",
        default="Head office",
        help="name of the company root unit, if one has to be created",
    )
    p.add_argument(
        "--noinput",
        "--no-input",
        action="store_true",
        help="never prompt; the password comes from SALESDESK_ADMIN_PASSWORD",
    )
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser(
        "backup",
        help="back up the database to a file",
        description="SQLite: online backup (safe while running). PostgreSQL: "
        "pg_dump --format=custom.",
    )
    p.add_argument("--output", "-o", help="backup file (default var/backups/salesdesk-<time>.*)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="replace the database with a backup",
        description="SQLite: copies the backup back (stop SalesDesk first; the "
        "current database is saved beside the backups). PostgreSQL: "
        "pg_restore --clean --if-exists.",
    )
    p.add_argument("file", help="a file made by `salesdesk backup`")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("check", help="check settings, database, migrations and job queue")
    p.add_argument("--deploy", action="store_true", help="include Django's deployment checks")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "import",
        help="import records from an xlsx or CSV file",
        description="Import customers (with tags and a primary contact) from xlsx or CSV "
        "(UTF-8, UTF-8-BOM or GB18030). Columns are mapped by their header names (zh/en). "
        "By default nothing is imported if any row has an error.",
    )
    p.add_argument("entity", choices=["customers"], help="what to import")
    p.add_argument("file", help="the xlsx or CSV file")
    p.add_argument("--user", help="import as this user (default: the first administrator)")
    p.add_argument(
        "--policy",
        choices=["skip", "update", "create"],
        default="skip",
        help="what to do with rows matching an existing record (default skip)",
    )
    p.add_argument("--partial", action="store_true", help="import the valid rows, report the rest")
    p.add_argument("--show-errors", type=int, default=20, help="print this many problems (20)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "export",
        help="export records to an xlsx or CSV file",
        description="Export the customers the user may see (needs the export permission; "
        "recorded in the audit log). Cells are formula-escaped.",
    )
    p.add_argument("entity", choices=["customers"], help="what to export")
    p.add_argument("--user", help="export as this user (default: the first administrator)")
    p.add_argument("--output", "-o", help="file to write (default customers-<time>.xlsx)")
    p.add_argument("--format", choices=["xlsx", "csv"], help="default: from --output, else xlsx")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "manage", help="run a Django management command (salesdesk manage help)", add_help=False
    )
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("salesdesk")
    except Exception:  # not installed as a distribution
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        # Everything after `manage` belongs to Django, options included.
        return cmd_manage(argparse.Namespace(args=argv[1:]))
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    try:
        return int(args.func(args) or 0)
    except CommandFailed as exc:
        _err(f"salesdesk {args.command}: error: {exc}")
        return 1
    except KeyboardInterrupt:
        _err("Interrupted.")
        return 130
    finally:
        _restore_language()


if __name__ == "__main__":
    sys.exit(main())
