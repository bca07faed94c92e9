"""`salesdesk manage send_digests [--dry-run]`: send the daily to-do emails that are due now
(what the 15-minute job does), or with --dry-run only list who would get one."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Send the daily to-do emails that are due now (CUS-8)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only list who would get an email now."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        from salesdesk.core.digest import digests_send

        due = digests_send(dry_run=dry_run)
        for user, day in due:
            self.stdout.write(f"{user.username} <{user.email}> {day.isoformat()}")
        verb = "due" if dry_run else "queued"
        self.stdout.write(f"{len(due)} to-do email(s) {verb}.")
