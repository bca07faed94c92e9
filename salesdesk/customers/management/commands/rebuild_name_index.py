"""`salesdesk manage rebuild_name_index`: recompute the substring search index over customer and
contact names (D46) from the names, e.g. after writing customers with raw SQL."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Rebuild the name search index of customers and contacts from their names."

    def handle(self, *args, **options):
        from salesdesk.customers import name_index

        started = time.perf_counter()
        with transaction.atomic():
            counts = name_index.rebuild()
        self.stdout.write(
            f"Name index: {counts['customer']} customers and {counts['contact']} contacts "
            f"indexed ({time.perf_counter() - started:.1f} s)."
        )
