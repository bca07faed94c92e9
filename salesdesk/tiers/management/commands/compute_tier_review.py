"""`salesdesk manage compute_tier_review [--month YYYY-MM]`: compute (or recompute, idempotent)
the tier review of a month; by default the month just ended."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Compute the sales tier review (ORG-4) of a month (default: last month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="The month to review, YYYY-MM.")

    def handle(self, *args, **options):
        from salesdesk.tiers.services import review_compute

        if options.get("month"):
            try:
                day = date.fromisoformat(f"{options['month']}-01")
            except ValueError:
                raise CommandError("--month must look like 2026-03") from None
        else:
            day = timezone.localdate().replace(day=1) - timedelta(days=1)
        result = review_compute(day=day)
        self.stdout.write(
            f"Tier review {result.review.period_label}: {result.created} new, "
            f"{result.refreshed} refreshed, {result.withdrawn} withdrawn, "
            f"{result.kept} decided kept."
        )
