"""``manage.py mfa_reset USERNAME``: remove a user's authenticator and recovery codes (lost device)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.mfa import mfa_reset
from records.request_context import source


class Command(BaseCommand):
    help = "Remove USERNAME's MFA devices and recovery codes; they enrol again at next sign-in where required."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        with source("command mfa_reset"):
            removed = mfa_reset(actor=None, user=user)
        self.stdout.write(f"Removed {removed} MFA device(s) of {username}; their web sessions have ended.")
