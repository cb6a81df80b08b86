"""The access log: every request that returns patient data leaves one ``view`` event.

Readers *note* what they return (:func:`note_read`: the patients and what kind of record);
:class:`AccessLogMiddleware` writes the one event after the view has answered, so the
INSERT happens outside the read's snapshot and only for answers that carried the data
(2xx). The notes are per request (a context variable), so the API's view base, the FHIR
views, the page helpers and the admin base all feed the same event, and a request that
notes nothing writes nothing.
"""

import contextvars
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse

__all__ = ["AccessLogMiddleware", "ReadNotes", "note_read", "notes_of_this_request"]


@dataclass
class ReadNotes:
    """What one request read: the actor, their clinic, the patients (ordered, unique)."""

    actor: object = None
    clinic: object = None
    what: str = ""
    object_id: str = ""
    patients: dict[str, None] = field(default_factory=dict)


_notes: contextvars.ContextVar[ReadNotes | None] = contextvars.ContextVar("access_log_notes", default=None)


def notes_of_this_request() -> ReadNotes | None:
    return _notes.get()


def note_read(*, actor, patients: Iterable, what: str, clinic=None, object_id: str = "") -> None:
    """Record that this request returns ``patients``' data (rows or ids).

    Several notes in one request merge into one event; the last ``what`` names it (a page
    helper notes ``patient``, the chart view then ``chart``). Outside a request (a shell, a
    management command, a test calling a view function directly) the event is written at
    once instead.
    """
    ids = [str(getattr(patient, "pk", patient)) for patient in patients if patient is not None]
    if not ids:
        return
    notes = _notes.get()
    if notes is None:
        from records.services.audit import audit_read

        audit_read(actor=actor, clinic=clinic, patients=ids, what=what, object_id=object_id)
        return
    notes.patients.update(dict.fromkeys(ids))
    notes.actor = actor
    notes.clinic = clinic if clinic is not None else notes.clinic
    notes.what = what
    notes.object_id = object_id


class AccessLogMiddleware:
    """Writes the request's ``view`` event (see the module docstring). Place it after the
    authentication and request-context middleware, so the actor, route and request id are known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        notes = ReadNotes()
        token = _notes.set(notes)
        try:
            response = self.get_response(request)
            if notes.patients and 200 <= response.status_code < 300:
                from records.policy import clinic_of
                from records.services.audit import audit_read

                clinic = notes.clinic if notes.clinic is not None else clinic_of(notes.actor)
                audit_read(
                    actor=notes.actor, clinic=clinic, patients=list(notes.patients), what=notes.what,
                    object_id=notes.object_id,
                )
        finally:
            _notes.reset(token)
        return response
