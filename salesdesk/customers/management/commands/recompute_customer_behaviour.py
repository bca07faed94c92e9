"""`salesdesk manage recompute_customer_behaviour`: what the daily customers job does, now —
purchase figures from the sales records (D42), then RFM scores and levels (CUS-2)."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Recompute the customers' purchase figures from contracts, returns and payments, "
        "then their RFM scores and levels (the daily job)."
    )

    def handle(self, *args, **options):
        from salesdesk.customers.tasks import customer_behaviour_recompute

        figures = customer_behaviour_recompute()
        self.stdout.write(
            "Purchases: {purchases_customers_with_sales} customers with sales, "
            "{purchases_updated} updated, {purchases_emptied} emptied "
            "({purchases_seconds:.2f} s).".format(**figures)
        )
        self.stdout.write(
            "RFM: {scored} scored, {unscored} without purchases, {updated} rows updated "
            "({level_changes} level changes, {seconds:.2f} s).".format(**figures)
        )
