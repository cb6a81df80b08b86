"""``manage.py resign_digests [--all]``: re-sign sign-off digests with the current key.

The one sanctioned write to signed rows (DESIGN §11): run by the database owner (it
suspends the immutability triggers inside its transaction, which the app's granted role
cannot do). Without ``--all`` it re-signs the digests from before keys (key id null); with
``--all`` every digest not made by the current key (after a rotation). A record whose
content no longer matches its digest is left alone and reported: re-signing must never
bless a tampered note. Each clinic's re-signing is one audit event (action ``resign``).
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from records.choices import AuditAction, RecordStatus
from records.immutability import triggers_suspended
from records.integrity import INTACT, assessment_canonical, digest_state, session_canonical, sign_content
from records.models import Assessment, Clinic, TreatmentSession
from records.request_context import source
from records.services.audit import audit_event


class Command(BaseCommand):
    help = "Re-sign sign-off digests with RECORDS_SIGNING_KEY (unkeyed ones, or with --all every older key's)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Also re-sign digests made by older keys.")

    def handle(self, *args, **options):
        key_id = sign_content({})[1]
        stale = Q(signature_key_id__isnull=True)
        if options["all"]:
            stale |= ~Q(signature_key_id=key_id)
        totals = {"resigned": 0, "altered": 0}
        with source("command resign_digests"), transaction.atomic(), triggers_suspended():
            for clinic in Clinic.objects.order_by("slug"):
                done: dict[str, list[str]] = {"sessions": [], "assessments": [], "altered": []}
                for model, canonical, name in (
                    (TreatmentSession, session_canonical, "sessions"),
                    (Assessment, assessment_canonical, "assessments"),
                ):
                    rows = model.objects.filter(stale, clinic=clinic, status=RecordStatus.SIGNED).order_by("pk")
                    for record in rows:
                        content = canonical(record, fresh=False)
                        if digest_state(content, record.signature_digest, record.signature_key_id) != INTACT:
                            done["altered"].append(str(record.pk))
                            continue
                        digest, new_key = sign_content(content)
                        model.objects.filter(pk=record.pk).update(signature_digest=digest, signature_key_id=new_key)
                        done[name].append(str(record.pk))
                if done["sessions"] or done["assessments"] or done["altered"]:
                    audit_event(
                        actor=None, action=AuditAction.RESIGN, clinic=clinic, object_type="clinic",
                        object_id=str(clinic.pk),
                        after={"key_id": key_id, "sessions": done["sessions"], "assessments": done["assessments"],
                               "left_altered": done["altered"]},
                    )
                totals["resigned"] += len(done["sessions"]) + len(done["assessments"])
                totals["altered"] += len(done["altered"])
        self.stdout.write(f"Re-signed {totals['resigned']} record(s) with key {key_id!r}; "
                          f"{totals['altered']} altered record(s) left as they are.")
