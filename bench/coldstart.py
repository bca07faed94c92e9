"""`python -m bench coldstart`: the README's first command on a fresh virtual environment.

Copies the working tree to a temporary directory (without .venv and var/), then runs
`bash scripts/start.sh` there with pip reading only a local wheelhouse that was filled
beforehand (download time excluded, as the issue asks) and times each phase from the
script's own output until the login page answers HTTP 200:

  venv        python -m venv .venv
  install     pip install -e . (from the warm wheelhouse, no network)
  migrate     applying all migrations to a new SQLite database
  static      collectstatic (first start only)
  demo        building the small demo data set
  serve       starting gunicorn + the Huey consumer until the port accepts connections
  first_request  from the open port until GET /account/login/ answers 200 (app import in the worker)
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.common import ROOT

MARKERS = [
    ("venv", "==> Creating the virtual environment"),
    ("install", "==> Installing SalesDesk"),
    ("migrate", "Applying "),
    ("static", "Collecting static files"),
    ("demo", "First start: loading the small demo data"),
    ("serve", "Demo data loaded in"),
    ("first_request", "SalesDesk is running on"),
]


def _copy_tree(target: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in files:
        if not raw:
            continue
        rel = Path(raw.decode())
        src = ROOT / rel
        if not src.is_file():
            continue
        dst = target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="salesdesk-coldstart-"))
    try:
        wheelhouse = work / "wheelhouse"
        src = work / "src"
        _copy_tree(src)
        # Warm the wheel cache: every wheel the install needs, fetched once, not timed.
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "-w", str(wheelhouse), str(src)],
            check=True,
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "-d",
                str(wheelhouse),
                "setuptools>=69",
                "wheel",
            ],
            check=True,
        )
        prepare_s = time.perf_counter() - t0
        return {"prepare_wheelhouse_s_not_counted": round(prepare_s, 1), **_start(src, wheelhouse)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _start(src: Path, wheelhouse: Path) -> dict:
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "SQLITE_PATH",
            "DJANGO_SETTINGS_MODULE",
            "VIRTUAL_ENV",
            "SALESDESK_DATA_DIR",
        }
    }
    env.update(
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        PYTHON=sys.executable,
        PYTHONUNBUFFERED="1",
    )
    seen: dict[str, float] = {}
    lines: list[str] = []
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["bash", "scripts/start.sh", "--port", str(port)],
        cwd=src,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )

    def reader() -> None:
        for line in proc.stdout:
            lines.append(line.rstrip())
            for phase, marker in MARKERS:
                if phase not in seen and line.startswith(marker):
                    seen[phase] = time.perf_counter() - started

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/account/login/"
    first_200 = None
    deadline = time.monotonic() + 900
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        first_200 = time.perf_counter() - started
                        break
            except OSError:
                pass
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        thread.join(timeout=5)
    if first_200 is None:
        raise RuntimeError("the login page never answered 200:\n" + "\n".join(lines[-40:]))
    order = [p for p, _m in MARKERS if p in seen] + ["first_200"]
    stamps = {**seen, "first_200": first_200}
    phases = {}
    for here, nxt in itertools.pairwise(order):
        phases[here] = round(stamps[nxt] - stamps[here], 2)
    return {
        "total_s": round(first_200, 2),
        "before_first_phase_s": round(stamps[order[0]], 2),
        "phases_s": phases,
        "url": "/account/login/",
    }


def worker(_args) -> int:
    raise SystemExit("coldstart has no worker mode")
