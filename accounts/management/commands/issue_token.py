"""``manage.py issue_token USERNAME [--expires-days N]``: print a new API token once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import token_issue
from records.request_context import source


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--expires-days", type=int, default=None, help="Lifetime in days (default: settings).")
        parser.add_argument("--name", default="", help="A label for the token, e.g. the tool that uses it.")

    def handle(self, *args, username, expires_days, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"The account {username!r} is inactive.")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be at least 1.")
        with source("command issue_token"):
            # Issued by an operator at the console: there is no acting staff account.
            raw, token = token_issue(actor=None, user=user, expires_days=expires_days, name=name or "issue_token")
        self.stderr.write(f"Token for {username}, expires {token.expires_at.isoformat()}:")
        self.stdout.write(raw)
