"""``manage.py export_clinic SLUG --out FILE``: one clinic's complete record as JSON."""

import json
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from records.backup import BackupError, export_clinic
from records.choices import AuditAction
from records.models import Clinic
from records.request_context import source
from records.services import audit_event


class Command(BaseCommand):
    help = (
        "Export one clinic's complete data (staff, patients, records, addenda, audit trail, "
        "sign-off digests) as a consistent snapshot in JSON. The file holds patient data and "
        "password hashes: it is written readable by its owner only; keep it encrypted."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The clinic's slug.")
        parser.add_argument("--out", required=True, help="The file to write ('-' for standard output).")

    def handle(self, *args, slug, out, **options):
        with source("command export_clinic"):
            try:
                document = export_clinic(slug, using=options.get("database") or "default")
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)
            if out == "-":
                self.stdout.write(text)
            else:
                # Created owner-only from the start, never briefly world-readable.
                descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    handle.write(text)
            with transaction.atomic():
                audit_event(
                    actor=None, action=AuditAction.EXPORT, clinic=Clinic.objects.get(slug=slug),
                    object_type="clinic", object_id=document["data"]["clinic"]["id"],
                    after={"counts": document["counts"], "sha256": document["sha256"]},
                )
        if out != "-":
            counts = ", ".join(f"{key} {count}" for key, count in document["counts"].items())
            self.stdout.write(self.style.SUCCESS(f"Exported clinic {slug!r} to {out}: {counts}."))
