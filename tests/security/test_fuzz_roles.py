"""Schemathesis over the whole API with every role's token and all built-in checks, plus
our own: no response ever carries another clinic's data.

Each generated case runs three times: with the fuzzer's own path ids, with ids of this
clinic's real records (so detail, sign and verify endpoints act on something), and with
the other clinic's ids (which must answer 404, or 401/403/405, and reveal nothing).

CI runs a modest number of examples per operation; a long run is
``FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/security/test_fuzz_roles.py``.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config._checks import (
    MISSING_REQUIRED_HEADER_EXPECTED_STATUSES,
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    MissingRequiredHeaderConfig,
    NegativeDataRejectionConfig,
    PositiveDataAcceptanceConfig,
)
from schemathesis.core.failures import AcceptedNegativeData, Failure, FailureGroup

from api.tokens import token_issue
from records import services
from records.choices import Role
from records.models import AuditEvent, Consent
from tests.factories import make_user
from tests.security.conftest import record_assessment, record_session

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))
load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())

# Figures for the run: cases per role and what answered (shown in the terminal summary).
FUZZ_STATS: Counter = Counter()

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
# Schema-valid is not the same as valid: an unknown or other clinic's id in a body is a 400
# on that field (clinic isolation), a stale If-Match is a 412, a missing or `*` one a 428,
# DELETE of a patient is a 405
# (patients are archived). The other statuses stay as schemathesis expects them.
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=["2xx", "3xx", "400", "401", "403", "404", "405", "409", "412", "428", "429"]
)
# The If-Match precondition is checked before the body: a stale version answers 412 first.
schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
    expected_statuses=[*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "412", "428"]
)
# A missing If-Match is its own refusal: 428 precondition_required (DESIGN §11).
schema.config.checks.missing_required_header = MissingRequiredHeaderConfig(
    expected_statuses=[*MISSING_REQUIRED_HEADER_EXPECTED_STATUSES, "428"]
)

# Lenient parsing that schemathesis reports as "schema-violating request accepted" (django-filter
# ignores an empty filter value, for one). Not a security matter, so each is counted and shown
# in the summary rather than failing the run; every other failure fails it.
LENIENT: Counter = Counter()


class OtherClinicLeak(Failure):
    """A response carried an id of another clinic's record."""


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app must not close the connection holding the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(clinic, physio, clinic_admin, reader, patient, other_physio, other_patient, yesterday, now):
    """This clinic's records in every state, and the other clinic's, whose ids must never leak."""
    own = {
        "patients": str(patient.pk),
        "sessions": str(record_session(physio, patient, yesterday, sign=True).pk),
        "assessments": str(record_assessment(physio, patient, yesterday, sign=True).pk),
    }
    draft = record_session(physio, patient, now, sign=False)
    draft_assessment = record_assessment(physio, patient, now, sign=False)
    services.pain_score_record(actor=physio, patient=patient, moment="baseline", score=6)
    other_session = record_session(other_physio, other_patient, yesterday, sign=True)
    other_assessment = record_assessment(other_physio, other_patient, yesterday, sign=True)
    services.addendum_create(actor=other_physio, record=other_session, text="Other clinic's addendum.")
    services.audit_view(actor=other_physio, patient=other_patient, what="chart")
    other_ids = {
        str(other_patient.pk), str(other_session.pk), str(other_assessment.pk),
        *(str(pk) for pk in other_session.targeted_muscles.values_list("pk", flat=True)),
        *(str(pk) for pk in other_session.pain_scores.values_list("pk", flat=True)),
        *(str(pk) for pk in other_assessment.findings.values_list("pk", flat=True)),
        *(str(pk) for pk in Consent.objects.filter(patient=other_patient).values_list("pk", flat=True)),
        *(str(pk) for pk in AuditEvent.objects.filter(clinic=other_patient.clinic).values_list("pk", flat=True)),
        other_patient.chart_number, other_patient.family_name,
    }
    tokens = {
        Role.PHYSIOTHERAPIST: token_issue(actor=physio, user=physio)[0],
        Role.CLINIC_ADMIN: token_issue(actor=clinic_admin, user=clinic_admin)[0],
        Role.API_READER: token_issue(actor=reader, user=reader)[0],
    }
    other = {"patients": str(other_patient.pk), "sessions": str(other_session.pk),
             "assessments": str(other_assessment.pk)}
    own_drafts = {"sessions": str(draft.pk), "assessments": str(draft_assessment.pk)}
    make_user(clinic=clinic, role=Role.PHYSIOTHERAPIST, username="bystander")
    return {"own": own, "own_drafts": own_drafts, "other": other, "other_ids": other_ids, "tokens": tokens}


def no_other_clinic_data(world):
    def check(ctx, response, case):
        # Bytes decoded leniently: binary answers (the PDFs, attachment downloads) are not UTF-8.
        content = getattr(response, "content", None)
        text = content.decode(errors="replace") if isinstance(content, bytes) else response.text
        leaked = sorted(value for value in world["other_ids"] if value in text)
        if leaked:
            raise OtherClinicLeak(
                operation=case.operation.label, title="Another clinic's data in the response",
                message=f"{case.method} {case.formatted_path} answered {response.status_code} with {leaked}",
            )
        return True

    check.__name__ = "no_other_clinic_data"
    return check


def _collection(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/", 1)[0]


def _call(case, role, headers, checks):
    cache.clear()  # rate limits would turn the run into 429s
    try:
        response = case.call_and_validate(headers=headers, checks=ALL_CHECKS, **checks)
    except FailureGroup as group:
        serious = [failure for failure in group.exceptions if not isinstance(failure, AcceptedNegativeData)]
        for failure in group.exceptions:
            if isinstance(failure, AcceptedNegativeData):
                reason = failure.message.splitlines()[-1][:120]
                LENIENT[f"{case.method} {case.operation.path} [{failure.status_code}]: {reason}"] += 1
        if serious:
            raise FailureGroup(serious, f"{len(serious)} failure(s)") from None
        response = None
    FUZZ_STATS[f"{role} cases"] += 1
    if response is not None:
        FUZZ_STATS[f"{role} {response.status_code // 100}xx"] += 1
    return response


@schema.exclude(path="/api/v1/auth/token/", method="DELETE").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.parametrize("role", [Role.PHYSIOTHERAPIST, Role.CLINIC_ADMIN, Role.API_READER])
def test_every_role_fuzzes_without_5xx_or_cross_clinic_data(case, role, world):
    headers = {"Authorization": f"Token {world['tokens'][role]}"}
    checks = {"additional_checks": [no_other_clinic_data(world)]}
    _call(case, role, headers, checks)
    collection = _collection(case.operation.path)
    if "id" not in (case.path_parameters or {}) or collection not in world["own"]:
        return
    for source in ("own", "own_drafts"):
        if collection in world[source]:
            case.path_parameters["id"] = world[source][collection]
            _call(case, role, headers, checks)
    case.path_parameters["id"] = world["other"][collection]
    response = _call(case, role, headers, checks)
    FUZZ_STATS[f"{role} cross-clinic"] += 1
    # OPTIONS describes the endpoint, not the record (and the leak check above still ran).
    if response is not None and case.method != "OPTIONS":
        # 428: a conditional write without If-Match is refused before the record is looked up.
        assert response.status_code in (400, 401, 403, 404, 405, 406, 415, 428), (
            f"{case.method} {case.operation.path} on another clinic's record answered {response.status_code}"
        )
