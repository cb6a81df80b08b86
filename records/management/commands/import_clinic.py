"""``manage.py import_clinic FILE``: restore a clinic exported with ``export_clinic``."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from records.backup import BackupError, import_clinic
from records.request_context import source


class Command(BaseCommand):
    help = (
        "Import a clinic from an export_clinic file into a database that does not have it "
        "(run migrate first). Ids, timestamps, signatures and the audit trail are kept; every "
        "signed record's digest is verified after the import."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The export file ('-' for standard input).")

    def handle(self, *args, file, **options):
        try:
            if file == "-":
                document = json.load(sys.stdin)
            else:
                with open(file, encoding="utf-8") as handle:
                    document = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        with source("command import_clinic"):
            try:
                result = import_clinic(document)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{key} {count}" for key, count in result["counts"].items())
        self.stdout.write(self.style.SUCCESS(f"Imported clinic {document['clinic']!r}: {counts}."))
        for kind, outcome in result["verification"].items():
            altered = outcome["altered"]
            line = f"Signed {kind}: {outcome['intact']} intact, {len(altered)} altered."
            if altered:
                self.stdout.write(self.style.WARNING(line + " Altered: " + ", ".join(altered)))
            else:
                self.stdout.write(line)
