"""Helpers shared by the benchmarks: databases to run on, subprocesses, output."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(terse=True),
    }


def emit(name: str, figures: dict) -> None:
    record = {
        "bench": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        **figures,
    }
    line = json.dumps(record, ensure_ascii=False, sort_keys=False)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    print(line, flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def postgres_reachable(url: str = DEFAULT_PG) -> bool:
    try:
        import psycopg

        psycopg.connect(_pg_admin_url(url), connect_timeout=3).close()
        return True
    except Exception:
        return False


def _pg_admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def database_urls(args) -> list[str]:
    if args.database_url:
        return args.database_url
    urls = ["sqlite"]
    if postgres_reachable():
        urls.append(DEFAULT_PG)
    else:
        print(
            "note: PostgreSQL not reachable at 127.0.0.1:5432, running on SQLite only",
            file=sys.stderr,
        )
    return urls


@contextmanager
def scratch_database(url: str):
    """A fresh, empty database for one run: (env vars, label). Dropped afterwards."""
    with tempfile.TemporaryDirectory(prefix="salesdesk-bench-") as tmp:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            SALESDESK_DATA_DIR=tmp,
            DJANGO_SETTINGS_MODULE="config.settings.dev",
            PYTHONPATH=str(ROOT),
        )
        if url == "sqlite":
            env["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
            yield env, "sqlite"
            return
        import psycopg

        name = f"salesdesk_bench_{uuid.uuid4().hex[:8]}"
        admin = _pg_admin_url(url)
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
        try:
            yield env, "postgresql"
        finally:
            with psycopg.connect(admin, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(cmd: list[str], env: dict, *, timeout: int = 3600) -> subprocess.CompletedProcess:
    done = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done


def worker_json(name: str, env: dict, extra: list[str]) -> dict:
    """Run `python -m bench <name> --worker …` in the scratch database; it prints one JSON line."""
    done = run([sys.executable, "-m", "bench", name, "--worker", *extra], env)
    return json.loads(done.stdout.strip().splitlines()[-1])
