"""``application/fhir+json`` in and out, and the choice between it and plain JSON.

FHIR clients ask with ``Accept: application/fhir+json`` or ``?_format=json``; generic
tools send ``application/json`` or ``*/*``. All get the same JSON; only the declared
media type differs. XML is not offered: asking for it only is a 406.
"""

import orjson
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

from api.parsers import LimitedJSONParser

__all__ = ["FHIR_MEDIA_TYPE", "FHIRContentNegotiation", "FHIRJSONParser", "FHIRJSONRenderer", "PlainJSONRenderer"]

FHIR_MEDIA_TYPE = "application/fhir+json"


class FHIRJSONRenderer(BaseRenderer):
    media_type = FHIR_MEDIA_TYPE
    format = "fhir+json"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data)


class PlainJSONRenderer(FHIRJSONRenderer):
    """The same document as ``application/json`` for clients that ask for exactly that."""

    media_type = "application/json"
    format = "json"


class FHIRJSONParser(LimitedJSONParser):
    media_type = FHIR_MEDIA_TYPE


class FHIRContentNegotiation(DefaultContentNegotiation):
    """FHIR's ``_format`` parameter, then ``Accept``; FHIR JSON unless plain JSON is asked for."""

    def select_renderer(self, request, renderers, format_suffix=None):
        by_type = {renderer.media_type: renderer for renderer in renderers}
        fhir = by_type[FHIR_MEDIA_TYPE]
        plain = by_type.get("application/json", fhir)
        wanted = request.query_params.get("_format", "").strip().lower()
        if wanted:
            if "xml" in wanted or wanted not in ("json", "application/json", FHIR_MEDIA_TYPE, "fhir+json"):
                raise NotAcceptable("Only JSON is supported: _format=json or application/fhir+json.")
            chosen = plain if wanted in ("application/json",) else fhir
            return chosen, chosen.media_type
        accept = request.META.get("HTTP_ACCEPT", "").lower()
        if not accept or "fhir+json" in accept or "*/*" in accept or "application/*" in accept:
            return fhir, fhir.media_type
        if "json" in accept:
            return plain, plain.media_type
        raise NotAcceptable("Only application/fhir+json (or application/json) is supported.")
