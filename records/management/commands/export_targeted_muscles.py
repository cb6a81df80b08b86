"""``manage.py export_targeted_muscles --clinic SLUG --out FILE``: the research export to a file.

The same pseudonymised rows as ``GET /api/v1/exports/targeted-muscles.csv`` (one per
targeted muscle, streamed from the database), written by the same writer and audited
as an ``export`` by the command. ``--out -`` writes to standard output.
"""

from django.core.management.base import BaseCommand, CommandError

from records.exports import audit_export, write_csv
from records.models import Clinic
from records.request_context import source


class Command(BaseCommand):
    help = "Write the pseudonymised targeted-muscle research export of one clinic as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", required=True, help="Slug of the clinic to export.")
        parser.add_argument("--out", required=True, help="CSV file to write ('-' for standard output).")

    def handle(self, *args, clinic: str, out: str, **options):
        found = Clinic.objects.filter(slug=clinic).first()
        if found is None:
            raise CommandError(f"No clinic with slug {clinic!r}.")
        with source("command export_targeted_muscles"):
            audit_export(actor=None, clinic=found, destination="file")
            if out == "-":
                rows = write_csv(found, self.stdout)
            else:
                try:
                    with open(out, "w", newline="", encoding="utf-8") as handle:
                        rows = write_csv(found, handle)
                except OSError as exc:
                    raise CommandError(f"Cannot write {out}: {exc.strerror}") from exc
        self.stderr.write(f"Exported {rows} targeted muscles of {found.slug} to {out}.")
