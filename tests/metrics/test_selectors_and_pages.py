"""Reading the metric layer: hand-computed figures (exact Decimals, ratios from sums, units with
their sub-units), scoping on the page and the API (a rep never sees another rep's figures), the
rebuild command and pinned query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from salesdesk.metrics.models import MetricFact
from salesdesk.metrics.selectors import metric_sums, metric_values, metric_values_for
from salesdesk.metrics.sources import add_rows
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

D1, D2, D3 = date(2026, 3, 2), date(2026, 3, 20), date(2026, 4, 5)
START, END = date(2026, 1, 1), date(2026, 12, 31)


def fact(fact, owner, day, value="0", count=1, unit=None):
    add_rows([(fact, owner.pk, (unit or owner.unit).pk, day, value, count)])


@pytest.fixture
def facts(org):
    """rep (Team A): won 1 deal ¥1,000.10 on D1, lost 0; other_rep (Team B): won 1 ¥3,000.00
    on D2, lost 3 on D3; signed ¥10,000.00 (rep, D1) and ¥5,000.01 (other_rep, D3); returns
    ¥500.00 (rep, D2); director (East): 2 activities on D3."""
    fact("won", org.rep, D1, "1000.10")
    fact("won", org.other_rep, D2, "3000.00")
    fact("lost", org.other_rep, D3, "900.00", count=3)
    fact("signed", org.rep, D1, "10000.00")
    fact("signed", org.other_rep, D3, "5000.01")
    fact("return", org.rep, D2, "500.00")
    fact("activity", org.director, D3, count=2)
    fact("cycle", org.rep, D1, "12.50")
    fact("cycle", org.other_rep, D2, "30.25")


def test_additive_and_derived_figures_are_exact(org, facts):
    assert metric_values("won_amount", start=START, end=END) == {None: Decimal("4000.10")}
    assert metric_values("won_deals", start=START, end=END, group_by="user") == {
        org.rep.pk: Decimal(1),
        org.other_rep.pk: Decimal(1),
    }
    # Win rate from the sums: 2 won ÷ (2 won + 3 lost) = 40 %, not the mean of 100 % and 25 %.
    assert metric_values("win_rate", start=START, end=END) == {None: Decimal("0.4000")}
    assert metric_values("win_rate", start=START, end=END, group_by="user") == {
        org.rep.pk: Decimal("1.0000"),
        org.other_rep.pk: Decimal("0.2500"),
    }
    assert metric_values("avg_deal_size", start=START, end=END) == {None: Decimal("2000.05")}
    assert metric_values("sales_cycle_days", start=START, end=END) == {None: Decimal("21.38")}
    # 500.00 ÷ 15,000.01 = 0.033333…
    assert metric_values("return_rate", start=START, end=END) == {None: Decimal("0.0333")}
    assert metric_values("return_rate", start=START, end=END, users=[org.other_rep]) == {
        None: Decimal("0.0000")
    }
    assert metric_values("return_rate", start=START, end=END, users=[org.director]) == {None: None}
    assert metric_values("contract_count", start=START, end=END, group_by="month") == {
        date(2026, 3, 1): Decimal(1),
        date(2026, 4, 1): Decimal(1),
    }
    assert metric_values("signed_amount", start=D1, end=D2, group_by="day") == {
        D1: Decimal("10000.00")
    }
    # Nothing in the period: an additive metric is 0, a ratio has no figure.
    empty = {"start": date(2025, 1, 1), "end": date(2025, 1, 31)}
    assert metric_values("signed_amount", **empty) == {None: Decimal("0.00")}
    assert metric_values("win_rate", **empty) == {None: None}
    assert metric_sums("win_rate", start=START, end=END, users=[org.rep]) == {
        None: {
            ("won", "value"): Decimal("1000.10"),
            ("won", "count"): Decimal(1),
        }
    }


def test_units_include_their_sub_units(org, facts):
    by_unit = metric_values("signed_amount", start=START, end=END, group_by="unit")
    assert by_unit == {
        org.hq.pk: Decimal("15000.01"),
        org.east.pk: Decimal("15000.01"),
        org.team_a.pk: Decimal("10000.00"),
        org.team_b.pk: Decimal("5000.01"),
    }
    assert metric_values("activities", start=START, end=END, units=[org.east]) == {None: Decimal(2)}
    assert metric_values("won_deals", start=START, end=END, units=[org.team_a]) == {
        None: Decimal(1)
    }
    assert metric_values(
        "won_deals", start=START, end=END, units=[org.east, org.team_a], group_by="unit"
    ) == {org.east.pk: Decimal(2), org.team_a.pk: Decimal(1)}


def test_scoped_values_show_a_rep_only_their_own(org, facts):
    for user in (org.rep, org.other_rep):
        mine = metric_values_for(user, "won_deals", start=START, end=END, group_by="user")
        assert mine == {user.pk: Decimal(1)}
        # Asking for someone else's figures gives nothing.
        other = org.other_rep if user == org.rep else org.rep
        assert metric_values_for(user, "won_amount", start=START, end=END, users=[other]) == {
            None: Decimal("0.00")
        }
    assert metric_values_for(org.lead, "signed_amount", start=START, end=END) == {
        None: Decimal("10000.00")
    }
    assert metric_values_for(org.director, "signed_amount", start=START, end=END) == {
        None: Decimal("15000.01")
    }
    assert metric_values_for(org.deactivated, "signed_amount", start=START, end=END) == {
        None: Decimal("0.00")
    }


def _page(user, **params) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_page_and_api_are_scoped_alike(org, facts):
    params = {"metric": "signed_amount", "from": "2026-01-01", "to": "2026-12-31"}
    for group_by in ("user", "unit", "month", "day"):
        rep_page = _page(org.rep).get(reverse("web:metrics"), {**params, "group_by": group_by})
        html = rep_page.content.decode()
        assert rep_page.status_code == 200
        assert "¥10,000.00" in html
        assert "¥5,000.01" not in html and "¥15,000.01" not in html
        assert org.other_rep.name not in html
        api = ApiClient(org.rep).get(
            f"/api/v1/metrics/signed_amount/values?start=2026-01-01&end=2026-12-31"
            f"&group_by={group_by}"
        )
        assert api.status_code == 200
        body = api.json()
        assert body["total"] == "10000.00"
        assert {r["value"] for r in body["rows"]} == {"10000.00"}
    director = _page(org.director).get(reverse("web:metrics"), {**params, "group_by": "user"})
    html = director.content.decode()
    assert org.rep.name in html and org.other_rep.name in html and "¥15,000.01" in html
    body = (
        ApiClient(org.director)
        .get("/api/v1/metrics/signed_amount/values?start=2026-01-01&end=2026-12-31")
        .json()
    )
    assert body["rows"] == [
        {"id": org.other_rep.pk, "date": None, "label": org.other_rep.name, "value": "5000.01"},
        {"id": org.rep.pk, "date": None, "label": org.rep.name, "value": "10000.00"},
    ] or body["rows"] == [
        {"id": org.rep.pk, "date": None, "label": org.rep.name, "value": "10000.00"},
        {"id": org.other_rep.pk, "date": None, "label": org.other_rep.name, "value": "5000.01"},
    ]
    assert body["total"] == "15000.01"


def test_page_formats_ratios_days_and_counts(org, facts):
    client = _page(org.director)
    url = reverse("web:metrics")
    common = {"from": "2026-01-01", "to": "2026-12-31", "group_by": "user"}
    html = client.get(url, {**common, "metric": "win_rate"}).content.decode()
    assert "100.0%" in html and "25.0%" in html and "40.0%" in html
    html = client.get(url, {**common, "metric": "sales_cycle_days"}).content.decode()
    assert "21.38" in html
    html = client.get(url, {**common, "metric": "return_rate", "to": "2026-01-31"}).content
    assert "No figures in this period" in html.decode()


def test_api_lists_definitions_and_refuses_bad_input(org, facts):
    client = ApiClient(org.rep)
    listed = client.get("/api/v1/metrics").json()
    keys = [m["key"] for m in listed]
    assert keys[:3] == ["signed_amount", "contract_count", "payments_received"]
    assert {"win_rate", "return_rate", "satisfaction", "activities"} <= set(keys)
    win_rate = next(m for m in listed if m["key"] == "win_rate")
    assert (win_rate["unit"], win_rate["direction"], win_rate["kind"]) == (
        "ratio",
        "higher",
        "derived",
    )
    assert client.get("/api/v1/metrics/nope/values").status_code == 404
    assert client.get("/api/v1/metrics/win_rate/values?group_by=team").status_code == 422
    bad = client.get("/api/v1/metrics/win_rate/values?start=2026-02-01&end=2026-01-01")
    assert bad.status_code == 422
    assert ApiClient(None).get("/api/v1/metrics").status_code == 401


def test_nav_entry_and_anonymous_page(org):
    client = _page(org.rep)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("web:metrics") in home
    anonymous = Client().get(reverse("web:metrics"))
    assert anonymous.status_code == 302


def test_rebuild_command_reports_the_rows(org, facts, capsys):
    call_command("rebuild_metrics")
    out = capsys.readouterr().out
    assert out.startswith("0 fact rows from signed 0")  # no records behind the inserted facts
    assert MetricFact.objects.count() == 0


@pytest.mark.parametrize("group_by", ["user", "unit", "month"])
def test_page_and_api_query_counts_are_pinned(org, facts, group_by, django_assert_num_queries):
    """Session, user (with role and unit), the scope's id list (a director), one aggregate, the
    names (per unit: the paths of the units holding facts, then the names of the tree), and on
    the page the unread-notification count; the same with more facts."""
    page = _page(org.director)
    api = ApiClient(org.director)
    url = reverse("web:metrics")
    params = {"metric": "win_rate", "from": "2026-01-01", "to": "2026-12-31", "group_by": group_by}
    api_url = f"/api/v1/metrics/win_rate/values?start=2026-01-01&end=2026-12-31&group_by={group_by}"
    page.get(url, params)
    api.get(api_url)  # the session's first API call refreshes it once
    pinned_page = {"user": 6, "unit": 7, "month": 5}[group_by]
    pinned_api = {"user": 5, "unit": 6, "month": 4}[group_by]
    with django_assert_num_queries(pinned_page):
        assert page.get(url, params).status_code == 200
    with django_assert_num_queries(pinned_api):
        assert api.get(api_url).status_code == 200
    for day in range(1, 28):
        fact("won", org.lead, date(2026, 5, day), "10.00")
        fact("lost", org.rep, date(2026, 6, day), "10.00")
    with django_assert_num_queries(pinned_page):
        assert page.get(url, params).status_code == 200
    with django_assert_num_queries(pinned_api):
        assert api.get(api_url).status_code == 200
