"""Properties of the statement arithmetic (D50): whatever the sources, rates, multipliers and
cap, the lines add up exactly to the total, every line keeps its source, payment splits add up
to the payment, and a cap is never exceeded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from salesdesk.commissions import calc

amounts = st.integers(min_value=-500_000_00, max_value=5_000_000_00).map(calc.money)
rates = st.decimals(min_value=0, max_value=100, places=3)
multipliers = st.sampled_from(["0", "0.5", "1", "1.25", "1.5", "2", "3.333"])

sources = st.lists(
    st.builds(
        calc.Source,
        kind=st.sampled_from(["payment", "contract", "return"]),
        contract_id=st.integers(1, 10**6),
        day=st.just(date(2026, 3, 1)),
        base=amounts,
        product_line_id=st.sampled_from([None, 1, 2, 3]),
        payment_id=st.integers(1, 10**6),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(
    sources=sources,
    base_rate=rates,
    tier_rate=rates,
    attainment=st.one_of(st.none(), st.decimals(min_value=0, max_value=300, places=1)),
    mults=st.dictionaries(st.sampled_from(["1", "2", "3"]), multipliers),
    cap=st.one_of(st.none(), st.integers(1, 10_000_000).map(calc.money)),
)
def test_lines_add_up_exactly_and_keep_their_source(
    sources, base_rate, tier_rate, attainment, mults, cap
):
    bands = [{"from": "0", "rate": "2"}, {"from": "80", "rate": "3"}, {"from": "120", "rate": "5"}]
    result = calc.statement(
        sources,
        bands=bands,
        base_rate=base_rate,
        attainment=attainment,
        tier_rate=tier_rate,
        multipliers=mults,
        cap=cap,
    )
    assert len(result.lines) == len(sources)
    assert sum((line.amount for line in result.lines), Decimal(0)) == result.total
    assert all(line.amount == line.amount.quantize(calc.CENT) for line in result.lines)
    assert all(line.source is src for line, src in zip(result.lines, sources, strict=True))
    assert all(line.source.contract_id and line.source.payment_id for line in result.lines)
    assert result.base_total == sum((s.base for s in sources), Decimal(0))
    if cap is not None:
        assert result.total <= max(cap, result.uncapped_total)
        if result.uncapped_total > cap:
            assert result.total == cap


@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(-(10**10), 10**10),
    weights=st.lists(st.integers(0, 10**9), min_size=1, max_size=12),
)
def test_payment_split_adds_up_to_the_payment(total, weights):
    parts = calc.split_cents(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    whole = sum(weights)
    if whole and total >= 0:
        for part, w in zip(parts, weights, strict=True):
            assert abs(part * whole - total * w) < whole  # within one cent of the exact share
