"""FHIR R4 endpoints: metadata, read by id, search, and ``Patient/{id}/$everything``.

DRF views, so the project's token and session authentication apply; roles and clinic
isolation are those of REST API v1 (``record.read``: physiotherapists, clinic admins,
API readers). Another clinic's resource is a 404, exactly like one that does not exist.
Each request that returns a patient's data writes one ``view`` audit event.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from api.input_checks import query_nul_paths
from api.views.base import ReleaseRenderedData
from records import policy
from records.access_log import note_read
from records.models import Patient

from . import mapping, selectors
from . import systems as s
from .capability import SEARCH_PARAMS, capability_statement
from .errors import InvalidSearch, ResourceNotFound, fhir_exception_handler
from .outcomes import outcome_resources
from .renderers import FHIRContentNegotiation, FHIRJSONParser, FHIRJSONRenderer, PlainJSONRenderer

__all__ = ["EverythingView", "MetadataView", "ReadView", "SearchPostView", "SearchView", "UnknownView"]

# Parameters every interaction tolerates (and ignores beyond content negotiation).
GENERAL_PARAMS = frozenset({"_format", "_pretty"})
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
# An entry's search element, one per mode, shared by the entries (a Bundle is read-only once built).
SEARCH_MODES = {mode: {"mode": mode} for mode in ("match", "include")}


class FHIRReadPermission(BasePermission):
    """Authenticated staff of a clinic whose role may read the record (every role reads)."""

    message = "Your role may not read clinical records."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if policy.clinic_of(user) is None:
            self.message = "Your account is not a member of a clinic."
            return False
        return policy.allowed(user, "record.read")


def validate_resources(resources) -> None:
    """Validate with the ``fhir.resources`` R4B models: raises on an invalid resource.

    Runs in the views when ``FHIR_VALIDATE_RESPONSES`` (default: ``DEBUG``) is on, so a
    mapping mistake fails loudly in development; the test suite validates everything.
    """
    from fhir.resources.R4B import get_fhir_model_class

    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


class FHIRView(ReleaseRenderedData, APIView):
    # Authentication: the project's defaults (token first, then session), as REST API v1.
    permission_classes = [FHIRReadPermission]
    # Described by its own CapabilityStatement (``metadata``), not by the REST API's OpenAPI.
    schema = None
    renderer_classes = [FHIRJSONRenderer, PlainJSONRenderer]
    parser_classes = [FHIRJSONParser, FormParser]
    content_negotiation_class = FHIRContentNegotiation

    def get_exception_handler(self):
        return fhir_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        bad = query_nul_paths(request.query_params) + [key for key in self.kwargs.values() if "\x00" in str(key)]
        if bad:
            raise InvalidSearch({bad[0]: ["NUL characters are not allowed."]})

    @property
    def clinic(self):
        return policy.clinic_of(self.request.user)

    def base_url(self) -> str:
        """Absolute service base, ending in ``/``: fullUrls are ``<base><Type>/<id>``."""
        return self.request.build_absolute_uri(reverse("fhir:base"))

    def respond(self, document: dict, resources) -> Response:
        if getattr(settings, "FHIR_VALIDATE_RESPONSES", settings.DEBUG):
            validate_resources(resources)
        return Response(document)

    def audit(self, patient: Patient, what: str, object_id: str = "") -> None:
        note_read(actor=self.request.user, clinic=self.clinic, patients=[patient], what=what, object_id=object_id)

    def bundle(self, resources: list[dict], *, modes=None, total: int | None = None, next_url: str = "") -> dict:
        base = self.base_url()
        links = [{"relation": "self", "url": self.request.build_absolute_uri()}]
        if next_url:
            links.append({"relation": "next", "url": next_url})
        document = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"lastUpdated": mapping.fhir_instant(timezone.now())},
            "type": "searchset",
        }
        if total is not None:
            document["total"] = total
        document["link"] = links
        modes = modes or ["match"] * len(resources)
        document["entry"] = [
            {
                "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": SEARCH_MODES[mode],
            }
            for resource, mode in zip(resources, modes, strict=True)
        ]
        return document


class MetadataView(FHIRView):
    """``GET metadata``: the CapabilityStatement. Open to anyone: it holds no patient data."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        statement = capability_statement(base_url=self.base_url())
        return self.respond(statement, [statement])


# --- reads --------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    resource: dict
    patient: Patient | None


def _read_patient(clinic, resource_id) -> Found | None:
    patient = selectors.patient_for_clinic(clinic, resource_id)
    return Found(mapping.patient_resource(patient, clinic_slug=clinic.slug), patient) if patient else None


def _patient_of(clinic, row) -> Patient:
    # The row is the clinic's, so its patient is too; the audit trail needs the patient.
    return selectors.patient_for_clinic(clinic, row.patient_id)


def _read_encounter(clinic, resource_id) -> Found | None:
    session = selectors.session_row(clinic, resource_id)
    return Found(mapping.encounter_resource(session), _patient_of(clinic, session)) if session else None


def _read_procedure(clinic, resource_id) -> Found | None:
    found = selectors.targeted_row(clinic, resource_id)
    if found is None:
        return None
    targeted, session = found
    return Found(mapping.procedure_resource(targeted, session), _patient_of(clinic, session))


def _read_observation(clinic, resource_id) -> Found | None:
    if resource_id.startswith(mapping.TWITCH_PREFIX):
        found = selectors.targeted_row(clinic, resource_id.removeprefix(mapping.TWITCH_PREFIX))
        if found is None:
            return None
        targeted, session = found
        return Found(mapping.twitch_observation_resource(targeted, session), _patient_of(clinic, session))
    found = selectors.pain_score_row(clinic, resource_id)
    if found is None:
        return None
    pain, session = found
    return Found(mapping.pain_observation_resource(pain, session), _patient_of(clinic, pain))


def _read_consent(clinic, resource_id) -> Found | None:
    consent = selectors.consent_row(clinic, resource_id)
    return Found(mapping.consent_resource(consent), _patient_of(clinic, consent)) if consent else None


def _read_adverse_event(clinic, resource_id) -> Found | None:
    found = selectors.adverse_event_row(clinic, resource_id)
    if found is None:
        return None
    event, session = found
    return Found(mapping.adverse_event_resource(event, session), _patient_of(clinic, session))


def _read_practitioner(clinic, resource_id) -> Found | None:
    user = selectors.practitioner_user(clinic, resource_id)
    return Found(mapping.practitioner_resource(user), None) if user else None


READERS: dict[str, Callable] = {
    "Patient": _read_patient,
    "Encounter": _read_encounter,
    "Procedure": _read_procedure,
    "Observation": _read_observation,
    "Consent": _read_consent,
    "AdverseEvent": _read_adverse_event,
    "Practitioner": _read_practitioner,
}


def _unknown_type(resource_type: str) -> NotFound:
    supported = ", ".join(READERS)
    return NotFound(f"Resource type {resource_type!r} is not supported here; supported: {supported}.")


class ReadView(FHIRView):
    """``GET <Type>/<id>``."""

    def get(self, request, resource_type: str, resource_id: str):
        reader = READERS.get(resource_type)
        if reader is None:
            raise _unknown_type(resource_type)
        found = reader(self.clinic, resource_id)
        if found is None:
            raise ResourceNotFound(f"{resource_type}/{resource_id} is not a resource of your clinic.")
        if found.patient is not None:
            self.audit(found.patient, f"fhir_{resource_type.lower()}", found.resource["id"])
        return self.respond(found.resource, [found.resource])


# --- searches -----------------------------------------------------------------------


def _patient_reference(value: str) -> str:
    """``<id>``, ``Patient/<id>`` or an absolute ``…/Patient/<id>`` → ``<id>``."""
    value = value.strip()
    if "/" in value:
        head, _, tail = value.rpartition("/")
        if not head.endswith("Patient"):
            raise InvalidSearch({"patient": ["Give a Patient id or a Patient/<id> reference."]})
        value = tail
    if selectors.parse_uuid(value) is None:
        raise InvalidSearch({"patient": [f"{value!r} is not a Patient id."]})
    return value


def _int_param(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        number = int(raw)
    except ValueError as exc:
        raise InvalidSearch({name: ["Must be a whole number."]}) from exc
    if not low <= number <= high:
        raise InvalidSearch({name: [f"Must be between {low} and {high}."]})
    return number


def _observation_kinds(params) -> tuple[bool, bool]:
    """(pain, twitch) wanted by ``code``; both when ``code`` is absent."""
    raw = params.get("code")
    if raw is None:
        return True, True
    pain = twitch = False
    for token in raw.split(","):
        system, _, code = token.strip().rpartition("|")
        if code == s.PAIN_LOINC and system in ("", s.LOINC):
            pain = True
        elif code == s.TWITCH_RESPONSE_CODE and system in ("", s.OBSERVATION_CODE):
            twitch = True
    return pain, twitch


# What each search by patient reads of the record.
SEARCH_PARTS = {
    "Encounter": frozenset({selectors.SESSIONS}),
    "Procedure": frozenset({selectors.TARGETED}),
    "Consent": frozenset({selectors.CONSENTS}),
    "AdverseEvent": frozenset({selectors.SESSIONS}),
}


def _search_patient_data(clinic, resource_type: str, patient: Patient, params) -> list[dict]:
    """The patient's resources of one type, in the order ``$everything`` gives them."""
    if resource_type == "Practitioner":
        return [mapping.practitioner_resource(user) for user in selectors.practitioners_for_patient(patient)]
    if resource_type == "Observation":
        pain, twitch = _observation_kinds(params)
        # A pain score's Observation names its session's Encounter and takes its status.
        parts = frozenset({selectors.PAIN_SCORES, selectors.SESSIONS} if pain else ())
        parts |= frozenset({selectors.TARGETED} if twitch else ())
    elif resource_type in SEARCH_PARTS:
        pain = twitch = False
        parts = SEARCH_PARTS[resource_type]
    else:
        raise _unknown_type(resource_type)
    record = selectors.patient_record(patient, parts=parts)
    sessions = record.sessions
    if resource_type == "Encounter":
        return [mapping.encounter_resource(session) for session in sessions]
    if resource_type == "Procedure":
        return [mapping.procedure_resource(t, session) for session in sessions for t in session.targeted_muscles]
    if resource_type == "Consent":
        return [mapping.consent_resource(consent) for consent in record.consents]
    if resource_type == "AdverseEvent":
        return [mapping.adverse_event_resource(e, session) for session in sessions for e in session.adverse_events]
    by_id = record.sessions_by_id
    resources = [mapping.pain_observation_resource(p, by_id.get(p.session_id)) for p in record.pain_scores]
    resources += [
        mapping.twitch_observation_resource(t, session) for session in sessions for t in session.targeted_muscles
    ]
    return resources


class SearchView(FHIRView):
    """``GET <Type>?…`` (and ``POST <Type>/_search`` with a form body, which keeps search
    terms such as names out of URLs and access logs)."""

    def get(self, request, resource_type: str):
        return self.search(resource_type, request.query_params)

    def search(self, resource_type: str, params):
        supported = SEARCH_PARAMS.get(resource_type)
        if supported is None:
            raise _unknown_type(resource_type)
        unknown = sorted(set(params) - set(supported) - GENERAL_PARAMS)
        if unknown:
            raise InvalidSearch(
                {unknown[0]: [f"Unsupported search parameter for {resource_type}; supported: {', '.join(supported)}."]}
            )
        if resource_type == "Patient":
            return self.search_patients(params)
        if not params.get("patient"):
            raise InvalidSearch({"patient": [f"{resource_type} searches need patient=<id>."]})
        patient = selectors.patient_for_clinic(self.clinic, _patient_reference(params["patient"]))
        if patient is None:
            # Unknown here or another clinic's: both simply match nothing.
            return self.respond(self.bundle([], total=0), [])
        resources = _search_patient_data(self.clinic, resource_type, patient, params)
        self.audit(patient, f"fhir_{resource_type.lower()}_search")
        document = self.bundle(resources, total=len(resources))
        return self.respond(document, resources)

    def search_patients(self, params):
        clinic = self.clinic
        count = _int_param(params, "_count", PAGE_SIZE, 1, MAX_PAGE_SIZE)
        offset = _int_param(params, "_offset", 0, 0, 10**9)
        queryset = Patient.objects.filter(clinic=clinic)
        if "_id" in params:
            queryset = queryset.filter(pk=selectors.parse_uuid(params["_id"]) or uuid.UUID(int=0))
        if "identifier" in params:
            system, _, value = params["identifier"].rpartition("|")
            if system and system != s.chart_number_system(clinic.slug):
                queryset = queryset.none()
            queryset = queryset.filter(chart_number=value.strip())
        if "name" in params:
            terms = params["name"].split()
            if not terms:
                raise InvalidSearch({"name": ["Give part of a name."]})
            for term in terms:
                queryset = queryset.filter(Q(given_name__istartswith=term) | Q(family_name__istartswith=term))
        rows = list(queryset.order_by("family_name", "given_name", "chart_number", "id")[offset : offset + count + 1])
        next_url, total = "", None
        if len(rows) > count and self.request.method == "POST":
            # A next link would carry the form's search terms into a URL; the client
            # posts the same form again with _offset, knowing the total.
            rows, total = rows[:count], queryset.count()
        elif len(rows) > count:
            rows = rows[:count]
            query = params.copy()
            query["_offset"] = str(offset + count)
            query["_count"] = str(count)
            next_url = self.request.build_absolute_uri(f"{self.request.path}?{query.urlencode()}")
        resources = [mapping.patient_resource(patient, clinic_slug=clinic.slug) for patient in rows]
        # One event for the page, not one per patient; ids only, never the search terms.
        note_read(actor=self.request.user, clinic=clinic, patients=rows, what="fhir_patient_search")
        document = self.bundle(resources, next_url=next_url, total=total)
        return self.respond(document, resources)


class SearchPostView(SearchView):
    """``POST <Type>/_search`` with an ``application/x-www-form-urlencoded`` body."""

    http_method_names = ["post", "options"]

    def post(self, request, resource_type: str):
        params = request.query_params.copy()
        if hasattr(request.data, "lists"):
            for key, values in request.data.lists():
                params.setlist(key, values)
        bad = query_nul_paths(params)
        if bad:
            raise InvalidSearch({bad[0]: ["NUL characters are not allowed."]})
        return self.search(resource_type, params)


# --- $everything --------------------------------------------------------------------


class EverythingView(FHIRView):
    """``GET Patient/<id>/$everything``: the whole record in one searchset Bundle.

    A fixed number of queries whatever the length of the history (see
    :func:`api.fhir.selectors.patient_record`); every reference resolves in the Bundle.
    """

    def get(self, request, resource_id: str):
        clinic = self.clinic
        patient = selectors.patient_for_clinic(clinic, resource_id)
        if patient is None:
            raise ResourceNotFound(f"Patient/{resource_id} is not a patient of your clinic.")
        record = selectors.patient_record(patient)
        resources = [mapping.patient_resource(patient, clinic_slug=clinic.slug)]
        resources += [mapping.practitioner_resource(user) for user in record.practitioners]
        resources += [mapping.consent_resource(consent) for consent in record.consents]
        for session in record.sessions:
            resources += mapping.session_resources(session, session.targeted_muscles, session.adverse_events)
        sessions = record.sessions_by_id
        resources += [
            mapping.pain_observation_resource(pain, sessions.get(pain.session_id)) for pain in record.pain_scores
        ]
        resources += outcome_resources(patient)  # DESIGN §12 (api/fhir/outcomes.py)
        self.audit(patient, "fhir_everything")
        modes = ["match"] + ["include"] * (len(resources) - 1)
        document = self.bundle(resources, modes=modes, total=1)
        return self.respond(document, resources)


class UnknownView(FHIRView):
    """Anything else under the base: an OperationOutcome, never an HTML page."""

    def get(self, request, rest: str = ""):
        raise NotFound("No such FHIR endpoint here; see metadata for what is supported.")

    post = put = patch = delete = get
