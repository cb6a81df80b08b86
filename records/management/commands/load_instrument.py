"""``manage.py load_instrument FILE [--clinic SLUG]``: add or update an outcome instrument.

For a questionnaire the clinic holds a licence for (the file format is that of
``records/instruments/*.json``). Without ``--clinic`` it serves every clinic of this
installation; with it, only that clinic.
"""

from django.core.management.base import BaseCommand, CommandError

from records.instruments import InstrumentFileError, load_instrument_file
from records.models import Clinic
from records.services import instrument_install


class Command(BaseCommand):
    help = "Add or update an outcome instrument from its JSON file (validated first)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The instrument's JSON file.")
        parser.add_argument("--clinic", help="Slug of the clinic holding the licence (default: every clinic).")

    def handle(self, *args, **options):
        try:
            definition = load_instrument_file(options["file"])
        except InstrumentFileError as exc:
            raise CommandError(f"Invalid instrument file: {exc}") from None
        clinic = None
        if options.get("clinic"):
            clinic = Clinic.objects.filter(slug=options["clinic"]).first()
            if clinic is None:
                raise CommandError(f"No clinic with slug {options['clinic']!r}.")
        instrument, changed = instrument_install(definition=definition, clinic=clinic, actor=None)
        scope = f"clinic {clinic.slug}" if clinic else "every clinic"
        state = "loaded" if changed else "already up to date"
        self.stdout.write(f"{instrument.code} {instrument.version} ({instrument.name}) {state} for {scope}.")
