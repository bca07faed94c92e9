"""Periodic jobs (Huey): what they delete, idempotence, locking, schedules, and a real consumer."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

from salesdesk.core.tasks import job_queue_ping, recycle_bin_purge
from salesdesk.org.models import OrgUnit
from salesdesk.org.tasks import expired_sessions_cleanup
from tests.conftest import make_unit

ROOT = Path(__file__).resolve().parents[2]


def deleted_unit(name: str, parent: OrgUnit, days_ago: float) -> OrgUnit:
    unit = make_unit(name, "team", parent)
    OrgUnit.all_objects.filter(pk=unit.pk).update(
        deleted_at=timezone.now() - timedelta(days=days_ago)
    )
    return unit


@pytest.mark.django_db
def test_recycle_bin_purge_deletes_exactly_the_expired_records(org, settings):
    settings.SALESDESK_RECYCLE_RETENTION_DAYS = 30
    old_leaf = deleted_unit("old leaf", org.east, 45)
    just_expired = deleted_unit("just expired", org.east, 30.01)
    recent = deleted_unit("recent", org.east, 29.9)
    old_parent = deleted_unit("old parent", org.east, 60)
    # A recently deleted child still points at old_parent (PROTECT): it must survive this run.
    child = deleted_unit("child", old_parent, 3)
    alive_before = set(OrgUnit.objects.values_list("pk", flat=True))

    assert recycle_bin_purge.call_local() == 2

    remaining = set(OrgUnit.all_objects.values_list("pk", flat=True))
    assert old_leaf.pk not in remaining and just_expired.pk not in remaining
    assert {recent.pk, old_parent.pk, child.pk} <= remaining
    assert set(OrgUnit.objects.values_list("pk", flat=True)) == alive_before
    # Idempotent: a second run finds nothing more to do.
    assert recycle_bin_purge.call_local() == 0
    assert set(OrgUnit.all_objects.values_list("pk", flat=True)) == remaining


@pytest.mark.django_db
def test_enqueued_purge_runs_through_the_queue(org):
    old = deleted_unit("old", org.east, 31)
    recent = deleted_unit("recent", org.east, 1)
    recycle_bin_purge()  # enqueue; immediate mode runs it at once (periodic: no result stored)
    assert not OrgUnit.all_objects.filter(pk=old.pk).exists()
    assert OrgUnit.all_objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db
def test_recycle_bin_purge_respects_the_configured_retention(org, settings):
    settings.SALESDESK_RECYCLE_RETENTION_DAYS = 7
    week_old = deleted_unit("week old", org.east, 8)
    day_old = deleted_unit("day old", org.east, 1)
    assert recycle_bin_purge.call_local() == 1
    assert not OrgUnit.all_objects.filter(pk=week_old.pk).exists()
    assert OrgUnit.all_objects.filter(pk=day_old.pk).exists()


def make_session(expires_in: timedelta) -> str:
    store = SessionStore()
    store["marker"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return store.session_key


@pytest.mark.django_db
def test_expired_sessions_cleanup_deletes_exactly_the_expired_sessions():
    expired = [make_session(timedelta(minutes=-1)), make_session(timedelta(days=-3))]
    alive = [make_session(timedelta(minutes=5)), make_session(timedelta(days=10))]

    assert expired_sessions_cleanup.call_local() == 2

    assert set(Session.objects.values_list("session_key", flat=True)) == set(alive)
    assert not Session.objects.filter(session_key__in=expired).exists()
    assert expired_sessions_cleanup.call_local() == 0
    assert set(Session.objects.values_list("session_key", flat=True)) == set(alive)


@pytest.mark.django_db
def test_a_locked_job_does_not_run(org):
    expired = make_session(timedelta(minutes=-1))
    old = deleted_unit("old", org.east, 90)
    with HUEY.lock_task("salesdesk-expired-sessions-cleanup"), pytest.raises(TaskLockedException):
        expired_sessions_cleanup.call_local()
    with HUEY.lock_task("salesdesk-recycle-bin-purge"), pytest.raises(TaskLockedException):
        recycle_bin_purge.call_local()
    assert Session.objects.filter(session_key=expired).exists()
    assert OrgUnit.all_objects.filter(pk=old.pk).exists()
    # Released locks: the next run works.
    assert expired_sessions_cleanup.call_local() == 1
    assert recycle_bin_purge.call_local() == 1


def test_periodic_schedules():
    # Huey's scheduler passes naive UTC times.
    minutes = [datetime(2026, 5, day, h, m) for day in (1, 2) for h in range(24) for m in range(60)]
    purge, sessions = recycle_bin_purge.s(), expired_sessions_cleanup.s()
    runs = [t for t in minutes if purge.validate_datetime(t)]
    # Daily at 19:30 UTC = 03:30 Asia/Shanghai.
    assert runs == [datetime(2026, 5, 1, 19, 30), datetime(2026, 5, 2, 19, 30)]
    hourly = [t for t in minutes[:1440] if sessions.validate_datetime(t)]
    assert [(t.hour, t.minute) for t in hourly] == [(h, 7) for h in range(24)]
    periodic = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert {"recycle_bin_purge", "expired_sessions_cleanup"} <= periodic


@pytest.mark.django_db
def test_ping_job_round_trip_in_immediate_mode():
    assert job_queue_ping("abc").get() == {"token": "abc", "db": True}


# ---- a real consumer on Redis ---------------------------------------------------------------

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Redis at {REDIS_URL} is not reachable in CI: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable ({exc}); set CI=true to make this fail")


def run_django(env: dict, *args: str, timeout: int = 120) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        timeout=timeout,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.redis
def test_real_consumer_on_redis_runs_enqueued_jobs(tmp_path):
    redis_or_skip()
    from huey import RedisHuey

    name = f"salesdesk-test-{uuid.uuid4().hex[:12]}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_XDIST_WORKER"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        SALESDESK_DATA_DIR=str(tmp_path),
        SQLITE_PATH=str(tmp_path / "jobs.sqlite3"),
        REDIS_URL=REDIS_URL,
        HUEY_NAME=name,
        LOG_LEVEL="INFO",
    )
    run_django(env, "migrate", "--noinput", "-v", "0")
    # One unit deleted 40 days ago (to purge) and one deleted yesterday (to keep).
    run_django(
        env,
        "shell",
        "-c",
        (
            "from datetime import timedelta; from django.utils import timezone;"
            "from salesdesk.org.models import OrgUnit;"
            "root = OrgUnit.objects.create(name='Root', kind='company');"
            "now = timezone.now();"
            "day = timedelta(days=1);"
            "make = lambda name, ago: OrgUnit.objects.create("
            "    name=name, kind='team', parent=root, deleted_at=now - ago);"
            "make('old', 40 * day); make('new', day)"
        ),
    )
    log = open(tmp_path / "consumer.log", "w")  # noqa: SIM115 - closed in finally
    consumer = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "2", "--worker-type", "thread"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    huey = RedisHuey(name, url=REDIS_URL)
    try:
        # Same task names as the consumer's (module + name), so it runs them.
        ping = huey.task(name="job_queue_ping")(job_queue_ping.call_local)
        purge = huey.task(name="recycle_bin_purge")(recycle_bin_purge.call_local)
        token = uuid.uuid4().hex
        assert ping(token).get(blocking=True, timeout=60) == {"token": token, "db": True}
        purge()  # periodic tasks store no result: watch the database instead
        deadline = time.monotonic() + 60
        while unit_names(tmp_path / "jobs.sqlite3") != ["Root", "new"]:
            assert time.monotonic() < deadline, "the purge job did not run within 60 s"
            time.sleep(0.2)
        assert consumer.poll() is None, "the consumer died"
    finally:
        consumer.send_signal(2)  # SIGINT: graceful stop
        try:
            consumer.wait(timeout=20)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait()
        log.close()
        huey.storage.flush_all()
    assert consumer.returncode == 0, (tmp_path / "consumer.log").read_text()
    assert "recycle_bin_purge" in (tmp_path / "consumer.log").read_text()


def unit_names(db: Path) -> list[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [name for (name,) in con.execute("SELECT name FROM org_orgunit ORDER BY name")]
    finally:
        con.close()
