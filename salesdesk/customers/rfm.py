"""RFM scoring and rule-based levels (CUS-2), recomputed daily by customers.tasks.

Scores. Every live customer with purchases (purchase_count > 0 and a last purchase date) gets
three scores from 1 to 5 by quintile among those customers:
- recency R: a more recent last purchase scores higher;
- frequency F: more purchases (purchase_count) score higher;
- monetary M: a higher purchase value scores higher.
Each is `1 + floor(5 * (rank - 1) / n)`, where rank is SQL RANK() over the value (ascending,
older = lower for recency) and n the number of scored customers. Ties share the lowest rank and
therefore the same score, so equal customers are never split between quintiles (NTILE would split
them arbitrarily). Customers without purchases get no scores (NULL).

Levels, by rules (`RfmRules`): the first band whose minimum R+F+M the customer reaches, else the
fallback; customers without purchases get `no_purchase`. Customers whose level is locked
(`level_locked`, "set by hand") keep their level; their scores are still written.
DEFAULT_RULES: R+F+M >= 13 → A, >= 10 → B, >= 6 → C, else D; no purchases → D. A deployment
overrides them with `settings.SALESDESK_RFM_RULES`, e.g.
    SALESDESK_RFM_RULES = {"bands": [["A", 12], ["B", 9], ["C", 6]], "fallback": "D",
                           "no_purchase": "D"}

Writing. One UPDATE … FROM per group (scored, unscored) computes everything in SQL and touches
only rows whose scores or level differ, so the job is idempotent: a second run with the same data
changes nothing. `rfm_scored_at` is the time the current scores were set. A level changed by the
rules bumps the row's `version` (optimistic locking: an edit form opened before the change is
refused instead of silently writing the old level back) and `updated_at`. No field-history rows
are written for these bulk changes (see docs/performance.md, "Customers").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.utils import timezone

from salesdesk.customers.models import Customer, CustomerLevel


@dataclass(frozen=True)
class RfmRules:
    """Level bands by minimum R+F+M (highest first), the level below every band, and the level of
    customers without purchases."""

    bands: tuple[tuple[str, int], ...] = (("A", 13), ("B", 10), ("C", 6))
    fallback: str = CustomerLevel.D.value
    no_purchase: str = CustomerLevel.D.value

    def __post_init__(self) -> None:
        levels = set(CustomerLevel.values)
        for level, minimum in self.bands:
            if level not in levels or not isinstance(minimum, int) or not 3 <= minimum <= 15:
                raise ImproperlyConfigured(f"RFM rule band {level!r} ≥ {minimum!r} is invalid")
        minima = [m for _l, m in self.bands]
        if minima != sorted(minima, reverse=True):
            raise ImproperlyConfigured("RFM rule bands must be ordered by decreasing minimum")
        if self.fallback not in levels or self.no_purchase not in levels:
            raise ImproperlyConfigured("RFM fallback and no-purchase levels must be A, B, C or D")

    def level_for(self, total: int) -> str:
        """The level of a customer whose R+F+M is `total` (the same rule as the SQL)."""
        for level, minimum in self.bands:
            if total >= minimum:
                return level
        return self.fallback

    @classmethod
    def from_config(cls, config: dict) -> RfmRules:
        try:
            bands = tuple((str(level), int(minimum)) for level, minimum in config["bands"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ImproperlyConfigured(f"SALESDESK_RFM_RULES is invalid: {exc}") from exc
        return cls(
            bands=bands,
            fallback=str(config.get("fallback", CustomerLevel.D.value)),
            no_purchase=str(config.get("no_purchase", CustomerLevel.D.value)),
        )


DEFAULT_RULES = RfmRules()


def configured_rules() -> RfmRules:
    """settings.SALESDESK_RFM_RULES if set, else DEFAULT_RULES."""
    config = getattr(settings, "SALESDESK_RFM_RULES", None)
    return RfmRules.from_config(config) if config else DEFAULT_RULES


@dataclass(frozen=True)
class RfmResult:
    scored: int  # customers with purchases (scored 1–5)
    unscored: int  # live customers without purchases
    updated: int  # rows written (scores or level changed)
    level_changes: int  # of which the level changed
    scored_at: datetime
    today: date
    seconds: float


_SCORED = "c.deleted_at IS NULL AND c.purchase_count > 0 AND c.last_purchase_at IS NOT NULL"


def rfm_recompute(
    *, today: date | None = None, rules: RfmRules | None = None, using: str = "default"
) -> RfmResult:
    """Score every customer on R, F and M and set levels by the rules; see the module doc.

    `today` is the day the scores are for (default: today in the site's time zone); scores are
    quintiles, so it does not change them, it dates the run (`RfmResult.today`).
    """
    started = time.perf_counter()
    rules = rules or configured_rules()
    now = timezone.now()
    today = today or timezone.localdate(now)
    connection = connections[using]
    table = connection.ops.quote_name(Customer._meta.db_table)
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"

    level_case = " ".join(
        f"WHEN q.r + q.f + q.m >= {int(m)} THEN '{lvl}'" for lvl, m in rules.bands
    )
    level_sql = (
        f"CASE {level_case} ELSE '{rules.fallback}' END" if rules.bands else (f"'{rules.fallback}'")
    )
    # s.lvl is the rule's level; locked customers keep theirs.
    new_level = "CASE WHEN c.level_locked THEN c.level ELSE s.lvl END"
    level_changed = "(NOT c.level_locked AND c.level <> s.lvl)"
    scored_sql = f"""
        UPDATE {table} AS c SET
            rfm_recency = s.r, rfm_frequency = s.f, rfm_monetary = s.m, rfm_scored_at = %s,
            level = {new_level},
            version = c.version + CASE WHEN {level_changed} THEN 1 ELSE 0 END,
            updated_at = CASE WHEN {level_changed} THEN %s ELSE c.updated_at END
        FROM (
            SELECT q.id, q.r, q.f, q.m, {level_sql} AS lvl FROM (
                SELECT c.id,
                    1 + (RANK() OVER (ORDER BY c.last_purchase_at) - 1) * 5 / n.n AS r,
                    1 + (RANK() OVER (ORDER BY c.purchase_count) - 1) * 5 / n.n AS f,
                    1 + (RANK() OVER (ORDER BY c.purchase_value) - 1) * 5 / n.n AS m
                FROM {table} c, (SELECT COUNT(*) AS n FROM {table} c WHERE {_SCORED}) n
                WHERE {_SCORED}
            ) q
        ) AS s
        WHERE c.id = s.id AND (
            c.rfm_recency {distinct} s.r OR c.rfm_frequency {distinct} s.f
            OR c.rfm_monetary {distinct} s.m OR {level_changed}
        )
    """  # noqa: S608 - table name and rule levels/minima are ours (validated by RfmRules)
    unscored_level_changed = f"(NOT c.level_locked AND c.level <> '{rules.no_purchase}')"
    unscored_sql = f"""
        UPDATE {table} AS c SET
            rfm_recency = NULL, rfm_frequency = NULL, rfm_monetary = NULL, rfm_scored_at = %s,
            level = CASE WHEN c.level_locked THEN c.level ELSE '{rules.no_purchase}' END,
            version = c.version + CASE WHEN {unscored_level_changed} THEN 1 ELSE 0 END,
            updated_at = CASE WHEN {unscored_level_changed} THEN %s ELSE c.updated_at END
        WHERE c.deleted_at IS NULL AND NOT (c.purchase_count > 0 AND c.last_purchase_at IS NOT NULL)
          AND (c.rfm_recency IS NOT NULL OR c.rfm_frequency IS NOT NULL
               OR c.rfm_monetary IS NOT NULL OR {unscored_level_changed})
    """  # noqa: S608
    count_scored = f"""
        SELECT COUNT(*) FROM {table} c WHERE {_SCORED}
    """  # noqa: S608
    count_unscored = f"""
        SELECT COUNT(*) FROM {table} c
        WHERE c.deleted_at IS NULL AND NOT (c.purchase_count > 0 AND c.last_purchase_at IS NOT NULL)
    """  # noqa: S608
    # rows whose level changed are exactly those stamped with this run's updated_at
    count_level_changes = f"SELECT COUNT(*) FROM {table} c WHERE c.updated_at = %s"  # noqa: S608

    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(scored_sql, [now, now])
        updated = max(cursor.rowcount, 0)
        cursor.execute(unscored_sql, [now, now])
        updated += max(cursor.rowcount, 0)
        cursor.execute(count_scored)
        (scored,) = cursor.fetchone()
        cursor.execute(count_unscored)
        (unscored,) = cursor.fetchone()
        cursor.execute(count_level_changes, [now])
        (level_changes,) = cursor.fetchone()
    return RfmResult(
        scored=scored,
        unscored=unscored,
        updated=updated,
        level_changes=level_changes,
        scored_at=now,
        today=today,
        seconds=round(time.perf_counter() - started, 3),
    )
