"""Planner statistics are refreshed on both databases (salesdesk.core.dbstats)."""

from __future__ import annotations

from django.db import connection

from salesdesk.core.dbstats import refresh_statistics
from salesdesk.core.tasks import database_statistics_refresh
from tests.customers.conftest import make_customer


def _statistics_rows() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
        else:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'customers_customer'")
        return cursor.fetchone()[0]


def test_refresh_statistics_analyses_the_tables(org):
    for i in range(3):
        make_customer(org.rep, f"统计客户{i}")
    refresh_statistics()
    assert _statistics_rows() > 0


def test_the_daily_job_refreshes_them(org):
    make_customer(org.rep, "统计客户")
    database_statistics_refresh.call_local()
    assert _statistics_rows() > 0
