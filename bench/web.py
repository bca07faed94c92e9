"""`python -m bench web`: throughput and memory of the web server (issue 3).

Serves SalesDesk with gunicorn as `salesdesk serve` does (2 sync worker processes, production
settings) and loads it from the same machine with wrk (`apt-get install wrk`; bounded: one thread,
4 connections, 20 s per URL after a warm-up), on loopback:
- the HTML customer list, first page of `level = A` sorted by -created_at, as the demo director
  and the demo rep (session cookies);
- the JSON list API with the same filter, as both (API tokens).
Reports requests/s, latency percentiles, errors (non-2xx/3xx answers and socket errors) and each
worker's memory after the runs: peak resident set (VmHWM, which counts the pages shared with the
master in full), proportional set (PSS) and private memory.

Databases: by default a scratch database per engine with `salesdesk demo --size <size>`
(small|medium|large); `--existing` uses the database named by the environment as it is
(`DATABASE_URL=… python -m bench web --existing`, or `SQLITE_PATH=…`), e.g. one built once with
`salesdesk demo --size large`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.common import ROOT, database_urls, run, scratch_database, worker_json

DURATION_S = 20
CONNECTIONS = 4
QUERY = "view=all&level=A&sort=-created_at"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(env: dict, data_dir: str) -> dict:
    env = dict(env)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        SECURE_SSL_REDIRECT="false",
        SALESDESK_DATA_DIR=data_dir,
        PYTHONPATH=str(ROOT),
    )
    return env


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _memory_mib(pid: int) -> dict:
    """Peak resident set (VmHWM, shared pages counted in full), and now: proportional set (PSS,
    shared pages divided among the processes sharing them) and private memory (USS)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}

    def kib(text: str, label: str) -> int:
        match = re.search(rf"^{label}:\s+(\d+) kB", text, re.MULTILINE)
        return int(match[1]) if match else 0

    private = kib(rollup, "Private_Clean") + kib(rollup, "Private_Dirty")
    return {
        "peak_rss_mib": round(kib(status, "VmHWM") / 1024, 1),
        "pss_mib": round(kib(rollup, "Pss") / 1024, 1),
        "private_mib": round(private / 1024, 1),
    }


def _wrk(url: str, header: str, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-H", header, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def number(pattern: str, default: float = 0.0) -> float:
        match = re.search(pattern, out)
        return float(match[1]) if match else default

    def ms(label: str) -> float | None:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not match:
            return None
        value, unit = float(match[1]), match[2]
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 1)

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return {
        "requests": int(number(r"(\d+) requests in")),
        "req_per_s": round(number(r"Requests/sec:\s+([\d.]+)"), 1),
        "p50_ms": ms("50"),
        "p90_ms": ms("90"),
        "p99_ms": ms("99"),
        "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": sum(int(x) for x in socket_errors.groups()) if socket_errors else 0,
    }


def _check(url: str, header: str, expect: str) -> None:
    name, value = header.split(": ", 1)
    request = urllib.request.Request(url, headers={name: value})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - loopback
        body = answer.read().decode()
        if answer.status != 200 or expect not in body:
            raise RuntimeError(f"{url}: unexpected answer {answer.status}: {body[:300]}")


def measure(env: dict, label: str) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="salesdesk-web-") as data_dir:
        server_env = _server_env(env, env.get("SALESDESK_DATA_DIR") or data_dir)
        # Sessions are signed: the set-up process uses the server's secret key.
        setup = worker_json("web", {**env, "SECRET_KEY": server_env["SECRET_KEY"]}, [])
        run([sys.executable, "-m", "django", "collectstatic", "--noinput", "-v", "0"], server_env)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120", "--preload",
             "--log-level", "warning"],
            cwd=ROOT, env=server_env,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(240):
                try:
                    urllib.request.urlopen(f"{base}/", timeout=2)  # noqa: S310 - loopback
                    break
                except urllib.error.HTTPError:
                    break
                except OSError:
                    time.sleep(0.5)
            targets = {}
            for who in ("director", "rep"):
                cookie = f"Cookie: sessionid={setup['sessions'][who]}"
                bearer = f"Authorization: Bearer {setup['tokens'][who]}"
                targets[f"html_list:{who}"] = (f"{base}/customers/?{QUERY}", cookie, "<table")
                targets[f"api_list:{who}"] = (f"{base}/api/v1/customers?{QUERY}", bearer, '"items"')
            figures = {}
            for name, (url, header, expect) in targets.items():
                _check(url, header, expect)
                _wrk(url, header, 3)  # warm-up: both workers, caches
                figures[name] = _wrk(url, header, DURATION_S)
            workers = _children(server.pid)
            figures["workers_memory"] = [_memory_mib(pid) for pid in workers]
            figures["master_memory"] = _memory_mib(server.pid)
        finally:
            server.terminate()
            server.wait(30)
    return {"database": label, "customers": setup["customers"], **figures}


def bench(args) -> dict:
    results = {}
    if getattr(args, "existing", False):
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        env["PYTHONPATH"] = str(ROOT)
        label = "postgresql" if env.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
        results[label] = measure(env, label)
    else:
        size = args.size or "small"
        for url in database_urls(args):
            with scratch_database(url) as (env, label):
                run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
                run(
                    [sys.executable, "-m", "salesdesk.cli", "demo", "--size", size],
                    env,
                    timeout=4 * 3600,
                )
                results[label] = measure(env, label)
    return {
        "duration_s": DURATION_S,
        "connections": CONNECTIONS,
        "gunicorn_workers": 2,
        "goals": {"html_req_per_s": 60, "api_req_per_s": 150, "worker_peak_mib": 150},
        "results": results,
    }


def worker(_args) -> int:
    """In the target database: sessions and API tokens for the demo director and rep."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from salesdesk.customers.models import Customer
    from salesdesk.org.models import ApiToken, User
    from salesdesk.org.tokens import token_create

    out = {"sessions": {}, "tokens": {}, "customers": Customer.all_objects.count()}
    for who in ("director", "rep"):
        user = User.objects.get(username=who)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "salesdesk.org.authentication.LockoutModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out["sessions"][who] = session.session_key
        ApiToken.objects.filter(user=user, name="bench web").delete()
        _token, key = token_create(user=user, name="bench web")
        out["tokens"][who] = key
    print(json.dumps(out), flush=True)
    return 0
