"""``manage.py create_clinic SLUG --name NAME --timezone TZ --admin USERNAME [--email E]``."""

from django.core.management.base import BaseCommand, CommandError

from accounts.services import clinic_create
from records.exceptions import InvalidInput
from records.request_context import source


class Command(BaseCommand):
    help = (
        "Create a clinic and its first clinic admin, and print a one-time invitation URL (72 h) "
        "on which that person chooses a password."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short unique name, e.g. harbour-physio.")
        parser.add_argument("--name", required=True, help="The clinic's name.")
        parser.add_argument("--timezone", required=True, help="IANA time zone, e.g. America/Vancouver.")
        parser.add_argument("--admin", required=True, help="Username of the first clinic admin.")
        parser.add_argument("--email", default="", help="That admin's email address (the link is mailed too "
                                                        "when EMAIL_URL is set).")
        parser.add_argument("--no-require-mfa", action="store_true",
                            help="Do not require MFA of clinic admins (it is required by default).")

    def handle(self, *args, slug, name, timezone, admin, email, no_require_mfa, **options):
        try:
            with source("command create_clinic"):
                clinic, user, url = clinic_create(
                    actor=None, slug=slug, name=name, timezone=timezone, admin_username=admin,
                    admin_email=email, require_mfa=not no_require_mfa,
                )
        except InvalidInput as exc:
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.errors.items())
            raise CommandError(f"Nothing was created. {problems}") from exc
        self.stderr.write(
            f"Created clinic {clinic.slug!r} ({clinic.name}, {clinic.timezone}) with clinic admin {user.username!r}."
            f"{' MFA is required for clinic admins.' if clinic.require_mfa else ''}\n"
            f"Invitation link for {user.username} (valid 72 hours, works once):"
        )
        self.stdout.write(url)
