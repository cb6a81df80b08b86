"""``manage.py purge_idempotency_keys``: delete stored idempotent answers older than 24 h."""

from django.core.management.base import BaseCommand

from idempotency.store import purge_expired


class Command(BaseCommand):
    help = "Delete idempotency keys (and the answers stored with them) past their 24 hours."

    def handle(self, *args, **options):
        count = purge_expired()
        self.stdout.write(f"Purged {count} expired idempotency key(s).")
