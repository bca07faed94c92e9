"""Decomposition of a goal (TGT-2): pure functions, no database.

Amounts are integers in the metric's smallest step (cents for money, ones for counts): the
service converts `Decimal` values at the boundary, so every split here is exact.

- `split(total, weights)`: the largest-remainder method. Each part gets ⌊total·wᵢ/W⌋; the units
  left over go one each to the largest remainders, ties to the lower index (deterministic). Zero
  weights give zero; all-zero (or no positive) weights fall back to equal weights; negative
  weights or totals are refused. The parts always sum to the total.
- `owner_tree(...)` + `people_amounts(...)`: company/unit → sub-units → sales people, each unit
  weighted by the sum of its people's weights (equal: 1 each; last-year share, tier multiplier,
  custom: the weights given).
- `calendar(...)` + `time_amounts(...)`: period → quarters → months → ISO-week pieces → working
  days (D44: a week is cut at month and period boundaries; a piece is weighted by its working
  days, a month by its seasonality weight × the share of its working days inside the period;
  only working days get a day part; nodes without working days are left out).
- `plan(...)`: both trees joined: every leaf owner gets the whole time tree under it. Each node's
  amount is split over its children, so the parts add up to their parent at every level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import NamedTuple

PERIOD, QUARTER, MONTH, WEEK, DAY = 0, 1, 2, 3, 4

Weight = int | Decimal | Fraction | float


# ---- splitting ----------------------------------------------------------------------------


def int_weights(weights: Iterable[Weight]) -> list[int]:
    """Weights as integers with the same proportions (exact: through fractions)."""
    fractions = []
    for w in weights:
        f = Fraction(repr(w)) if isinstance(w, float) else Fraction(w)
        if f < 0:
            raise ValueError("weights must not be negative")
        fractions.append(f)
    if not fractions:
        return []
    common = lcm(*(f.denominator for f in fractions))
    return [int(f * common) for f in fractions]


def split_int(total: int, weights: Sequence[int]) -> list[int]:
    """`split` for weights already made integers by `int_weights`."""
    n = len(weights)
    if total < 0:
        raise ValueError("the total must not be negative")
    if n == 0:
        if total:
            raise ValueError("a positive total needs at least one part")
        return []
    whole = sum(weights)
    if whole == 0:
        weights, whole = [1] * n, n
    parts = [0] * n
    remainders = [0] * n
    for i, w in enumerate(weights):
        parts[i], remainders[i] = divmod(total * w, whole)
    left = total - sum(parts)
    if left:
        for i in sorted(range(n), key=lambda i: (-remainders[i], i))[:left]:
            parts[i] += 1
    return parts


def split(total: int, weights: Iterable[Weight]) -> list[int]:
    """Split a non-negative integer total by weights (largest remainder; see the module doc)."""
    return split_int(total, int_weights(weights))


def split_amount(
    total: Decimal, weights: Iterable[Weight], quantum: Decimal = Decimal("0.01")
) -> list[Decimal]:
    """`split` for a Decimal amount in steps of `quantum` (a cent by default)."""
    units = to_units(total, quantum)
    return [from_units(p, quantum) for p in split(units, weights)]


def to_units(amount: Decimal, quantum: Decimal) -> int:
    units = amount / quantum
    if units != units.to_integral_value():
        raise ValueError(f"{amount} is not a multiple of {quantum}")
    return int(units)


def from_units(units: int, quantum: Decimal) -> Decimal:
    return (quantum * units).quantize(quantum)


# ---- people ---------------------------------------------------------------------------------


@dataclass
class OwnerNode:
    """A unit or a person of the owner tree. People are leaves; `weight` is a person's weight
    (a unit's is the sum of its people's)."""

    unit_id: int | None
    user_id: int | None = None
    weight: Fraction = Fraction(0)
    children: list[OwnerNode] = field(default_factory=list)

    @property
    def is_person(self) -> bool:
        return self.user_id is not None


def owner_tree(
    root_unit: int,
    unit_parents: dict[int, int | None],
    people: Iterable[tuple[int, int, Weight]],
) -> OwnerNode:
    """The tree below `root_unit`: (user id, unit id, weight) people placed in their units, units
    without people in their subtree left out. Children are ordered: sub-units by id, then people
    by id (a stable order, so the same input always gives the same parts)."""
    nodes: dict[int, OwnerNode] = {root_unit: OwnerNode(root_unit)}

    def unit_node(unit_id: int) -> OwnerNode | None:
        if unit_id in nodes:
            return nodes[unit_id]
        parent = unit_parents.get(unit_id)
        if parent is None:
            return None  # not below the root
        parent_node = unit_node(parent)
        if parent_node is None:
            return None
        node = OwnerNode(unit_id)
        nodes[unit_id] = node
        parent_node.children.append(node)
        return node

    for user_id, unit_id, weight in sorted(people, key=lambda p: p[0]):
        node = unit_node(unit_id)
        if node is None:
            continue
        w = Fraction(repr(weight)) if isinstance(weight, float) else Fraction(weight)
        if w < 0:
            raise ValueError("weights must not be negative")
        node.children.append(OwnerNode(unit_id, user_id, w))
    _order_and_weigh(nodes[root_unit])
    return nodes[root_unit]


def person_tree(user_id: int, unit_id: int | None) -> OwnerNode:
    return OwnerNode(unit_id, user_id, Fraction(1))


def _order_and_weigh(node: OwnerNode) -> Fraction:
    if node.is_person:
        return node.weight
    node.children.sort(key=lambda c: (c.is_person, c.user_id or 0, c.unit_id or 0))
    node.weight = sum((_order_and_weigh(c) for c in node.children), Fraction(0))
    return node.weight


def walk(node: OwnerNode) -> Iterator[tuple[OwnerNode, OwnerNode | None]]:
    """(node, parent) in depth-first order, parents before children."""
    stack: list[tuple[OwnerNode, OwnerNode | None]] = [(node, None)]
    while stack:
        current, parent = stack.pop()
        yield current, parent
        stack.extend((c, current) for c in reversed(current.children))


def people_amounts(total: int, root: OwnerNode) -> dict[int, int]:
    """{id(node): amount} for every node of the owner tree."""
    amounts = {id(root): total}
    for node, _parent in walk(root):
        if node.children:
            parts = split(amounts[id(node)], [c.weight for c in node.children])
            for child, amount in zip(node.children, parts, strict=True):
                amounts[id(child)] = amount
    return amounts


# ---- time -----------------------------------------------------------------------------------


@dataclass
class TimeNode:
    granularity: int
    start: date
    end: date
    weight: Fraction = Fraction(0)
    children: list[TimeNode] = field(default_factory=list)
    # The children's weights as integers, computed once for all owners.
    child_weights: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.granularity == WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.granularity == MONTH:
            return f"{self.start:%Y-%m}"
        if self.granularity == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return self.start.isoformat()


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def calendar(
    start: date,
    end: date,
    is_working_day: Callable[[date], bool],
    seasonality: Sequence[Weight] | None = None,
) -> TimeNode:
    """The time tree of a period. `seasonality`: 12 weights, January first, for each month's
    share of a year (None: every working day weighs the same). A month cut by the period keeps
    the share of its working days inside the period."""
    if end < start:
        raise ValueError("the period ends before it starts")
    if seasonality is not None and len(seasonality) != 12:
        raise ValueError("seasonality needs 12 weights")
    season = int_weights(seasonality) if seasonality is not None else None
    if season is not None and not any(season):
        season = None  # all zero: equal per working day
    root = TimeNode(PERIOD, start, end)
    quarter: TimeNode | None = None
    quarter_key: tuple[int, int] | None = None
    month_start = start
    while month_start <= end:
        m_end = min(_month_end(month_start), end)
        month = TimeNode(MONTH, month_start, m_end)
        working_in_period = 0
        day = month_start
        week: TimeNode | None = None
        while day <= m_end:
            if week is None or day.weekday() == 0:
                week = TimeNode(WEEK, day, min(day + timedelta(days=6 - day.weekday()), m_end))
                month.children.append(week)
            if is_working_day(day):
                week.children.append(TimeNode(DAY, day, day, Fraction(1)))
                working_in_period += 1
            day += timedelta(days=1)
        month.children = [w for w in month.children if w.children]
        for w in month.children:
            w.weight = Fraction(len(w.children))
        if working_in_period:
            if season is None:
                month.weight = Fraction(working_in_period)
            else:
                full = _working_days_in_month(month_start, is_working_day)
                month.weight = Fraction(season[month_start.month - 1] * working_in_period, full)
            q_start = date(month_start.year, 3 * ((month_start.month - 1) // 3) + 1, 1)
            if quarter is None or quarter_key != (q_start.year, q_start.month):
                quarter_key = (q_start.year, q_start.month)
                q_end = _month_end(date(q_start.year, q_start.month + 2, 1))
                quarter = TimeNode(QUARTER, max(q_start, start), min(q_end, end))
                root.children.append(quarter)
            quarter.children.append(month)
        month_start = m_end + timedelta(days=1)
    if not root.children:
        raise ValueError("the period has no working days")
    for q in root.children:
        q.weight = sum((m.weight for m in q.children), Fraction(0))
    root.weight = sum((q.weight for q in root.children), Fraction(0))
    _prepare(root)
    return root


def _working_days_in_month(any_day: date, is_working_day: Callable[[date], bool]) -> int:
    day, last = any_day.replace(day=1), _month_end(any_day)
    count = 0
    while day <= last:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count


def _prepare(node: TimeNode) -> None:
    if node.children:
        node.child_weights = int_weights(c.weight for c in node.children)
        for child in node.children:
            _prepare(child)


def time_nodes(root: TimeNode) -> list[tuple[TimeNode, int]]:
    """The nodes in depth-first order with the index of their parent (-1 for the root)."""
    out: list[tuple[TimeNode, int]] = []
    stack: list[tuple[TimeNode, int]] = [(root, -1)]
    while stack:
        node, parent = stack.pop()
        index = len(out)
        out.append((node, parent))
        stack.extend((c, index) for c in reversed(node.children))
    return out


@dataclass(frozen=True)
class TimeShape:
    """A calendar flattened for fast repeated allocation (the same for every owner)."""

    nodes: list[TimeNode]
    parents: list[int]
    # (node index, first child index … as a list, integer weights) of every inner node.
    splits: list[tuple[int, list[int], list[int]]]


def shape(root: TimeNode) -> TimeShape:
    flat = time_nodes(root)
    nodes = [n for n, _p in flat]
    parents = [p for _n, p in flat]
    index = {id(n): i for i, n in enumerate(nodes)}
    splits = [
        (i, [index[id(c)] for c in n.children], n.child_weights)
        for i, n in enumerate(nodes)
        if n.children
    ]
    return TimeShape(nodes, parents, splits)


def time_amounts(total: int, time_shape: TimeShape) -> list[int]:
    """The amount of every node of the flattened calendar (index order of `time_shape.nodes`)."""
    amounts = [0] * len(time_shape.nodes)
    amounts[0] = total
    for i, children, weights in time_shape.splits:
        for child, amount in zip(children, split_int(amounts[i], weights), strict=True):
            amounts[child] = amount
    return amounts


# ---- both -----------------------------------------------------------------------------------


class PlannedPart(NamedTuple):
    """One part of a decomposition: `key` and `parent` are positions in the plan's list (a
    tuple: a company goal has ~330,000 of them)."""

    key: int
    parent: int | None
    granularity: int
    unit_id: int | None
    user_id: int | None
    start: date
    end: date
    amount: int


def plan(total: int, owners: OwnerNode, time_root: TimeNode, *, additive: bool = True):
    """Every part of a decomposition, parents before children (a generator of PlannedPart).

    Owner nodes are PERIOD parts (the whole period); every leaf owner (a person, or the root when
    it has no people) carries the calendar below its period part. Not `additive`: every part
    carries `total`.
    """
    time_shape = shape(time_root)
    people = people_amounts(total, owners) if additive else None
    key = 0
    owner_keys: dict[int, int] = {}
    period = time_shape.nodes[0]
    for node, parent in walk(owners):
        amount = people[id(node)] if people is not None else total
        own_key = key
        owner_keys[id(node)] = own_key
        yield PlannedPart(
            own_key,
            owner_keys[id(parent)] if parent is not None else None,
            PERIOD,
            node.unit_id,
            node.user_id,
            period.start,
            period.end,
            amount,
        )
        key += 1
        if node.children:
            continue
        amounts = time_amounts(amount, time_shape) if additive else [total] * len(time_shape.nodes)
        base = key - 1  # the period part stands for time node 0
        for i in range(1, len(time_shape.nodes)):
            t = time_shape.nodes[i]
            p = time_shape.parents[i]
            yield PlannedPart(
                base + i,
                base + p,
                t.granularity,
                node.unit_id,
                node.user_id,
                t.start,
                t.end,
                amounts[i],
            )
        key = base + len(time_shape.nodes)
