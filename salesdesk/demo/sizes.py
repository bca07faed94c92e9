"""Demo data sizes. Builders scale with these numbers instead of hard-coding counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoSize:
    name: str
    regions: int
    departments_per_region: int
    teams_per_department: int
    reps_per_team: tuple[int, int]  # inclusive range, drawn per team
    finance_staff: int
    admins: int
    # Multiplier for later builders' per-rep volumes (customers, deals …): small = 1.
    volume: float
    # Customers (CUS-1): how many, and how many follow-ups in all (contacts are 1–3 per
    # customer, 2 on average). Explicit counts, since the issue fixes them per size.
    customers: int = 0
    follow_ups: int = 0
    # Opportunities (FUN-3) over two years of history; about 5 stage events each.
    opportunities: int = 0
    # Leads (FUN-1) in every status; about one in seven converted into an opportunity.
    leads: int = 0

    def scale(self, per_small: float) -> int:
        """A count that is `per_small` at size small and grows with the volume factor."""
        return max(1, round(per_small * self.volume))


SIZES: dict[str, DemoSize] = {
    # ~60 users in ~20 units.
    "small": DemoSize(
        "small",
        regions=4,
        departments_per_region=1,
        teams_per_department=2,
        reps_per_team=(4, 6),
        finance_staff=2,
        admins=1,
        volume=1.0,
        customers=2_000,
        follow_ups=20_000,
        opportunities=3_000,
        leads=2_000,
    ),
    # ~600 users in ~100 units.
    "medium": DemoSize(
        "medium",
        regions=6,
        departments_per_region=3,
        teams_per_department=4,
        reps_per_team=(6, 8),
        finance_staff=6,
        admins=2,
        volume=10.0,
        customers=50_000,
        follow_ups=250_000,
        opportunities=50_000,
        leads=30_000,
    ),
    # ~5,000 users in ~500 units.
    "large": DemoSize(
        "large",
        regions=8,
        departments_per_region=6,
        teams_per_department=9,
        reps_per_team=(9, 12),
        finance_staff=12,
        admins=2,
        volume=80.0,
        # 1,000,000 follow-ups rather than 10 per customer as at small: 10,000,000 rows would
        # make the build several times longer without changing what the benchmarks measure.
        customers=1_000_000,
        follow_ups=1_000_000,
        opportunities=1_000_000,
        leads=300_000,
    ),
}


def get_size(name: str) -> DemoSize:
    try:
        return SIZES[name]
    except KeyError:
        raise ValueError(f"unknown demo size {name!r}; choose one of {', '.join(SIZES)}") from None
