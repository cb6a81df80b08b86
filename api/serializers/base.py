"""Shared serializer pieces: unknown-field refusal, clinic-scoped references, names."""

import datetime as dt
import uuid

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from records.policy import clinic_of
from records.sql import to_instant

__all__ = [
    "ClinicScopedPrimaryKeyField",
    "ErrorDetailSerializer",
    "ErrorSerializer",
    "OffsetDateTimeField",
    "StrictSerializer",
    "api_datetime",
    "display_name",
]

_DATETIME = serializers.DateTimeField()


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that must carry its UTC offset (``Z`` or ``+01:00``).

    REST framework would read ``2026-03-01T09:30`` in the server's time zone; a clinic in
    another zone would then record a session hours away from when it happened, silently.
    Every writable date-time of the API is one of these (a test walks the serializers).
    """

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-03-01T09:30:00+01:00 or 2026-03-01T08:30:00Z.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well formed but impossible: REST framework says so below
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        elif isinstance(value, dt.datetime) and timezone.is_naive(value):
            self.fail("naive")
        return super().to_internal_value(value)


def api_datetime(value) -> str | None:
    """An instant (a datetime, or a row's value from records.sql) written exactly as the
    serializers write it, for representations built without them."""
    return None if value is None else _DATETIME.to_representation(to_instant(value))


def display_name(user) -> str:
    """How staff are named in representations: full name, else username."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know (400 naming them) instead of silently dropping them.

    A typo such as ``needle_used`` would otherwise be lost without a word. Read-only
    fields of the representation (``id``, ``version``, ``warnings`` …) are accepted and
    ignored, so a client may send back what it read.
    """

    # Read-only keys that are not fields of this input serializer but appear in the
    # read representation; accepted and ignored.
    ignored_keys: frozenset[str] = frozenset()

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = set(self.fields) | set(self.ignored_keys)
            unknown = sorted(str(key) for key in data if key not in known)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
            wrong_types = self._wrong_types(data)
            if wrong_types:
                raise serializers.ValidationError(wrong_types)
        return super().to_internal_value(data)

    def _wrong_types(self, data: dict) -> dict[str, list[str]]:
        """JSON types are taken at their word: DRF would turn 42 into "42" and "5" into 5,
        which hides client bugs; the schema promises a type, so anything else is a 400."""
        errors = {}
        for name, field in self.fields.items():
            if field.read_only or name not in data or data[name] is None:
                continue
            value = data[name]
            if isinstance(field, serializers.CharField) and not isinstance(value, str):
                errors[name] = ["Expected a string."]
            elif isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
                errors[name] = ["Expected true or false."]
            elif isinstance(field, serializers.IntegerField) and (
                isinstance(value, bool) or not isinstance(value, int)
            ):
                errors[name] = ["Expected an integer."]
            elif isinstance(field, serializers.DecimalField) and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                errors[name] = ["Expected a number."]
        return errors


class ClinicScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A reference by id to a row of the requesting user's clinic; another clinic's id is
    refused exactly like an id that does not exist (no hint that it exists elsewhere)."""

    default_error_messages = {
        "does_not_exist": "No such record in your clinic: {pk_value}.",
        "incorrect_type": "Expected an id (UUID), got {data_type}.",
    }

    def __init__(self, *, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        clinic = clinic_of(request.user) if request is not None else None
        if clinic is None:
            return self.model.objects.none()
        return self.model.objects.filter(clinic=clinic)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | uuid.UUID):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            uuid.UUID(str(data))
        except ValueError:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(
        help_text="Stable machine-readable code: `invalid`, `not_authenticated`, `authentication_failed`, "
        "`permission_denied`, `not_permitted`, `not_found`, `method_not_allowed`, `record_locked`, "
        "`consent_required`, `sharps_count_mismatch`, `rule_violation`, `stale_version`, "
        "`precondition_failed`, `request_too_large`, `parse_error`, `unsupported_media_type`, `throttled` …"
    )
    message = serializers.CharField(help_text="What went wrong, for people.")

    def get_fields(self):
        # "fields" would shadow Serializer.fields as a class attribute, so it is added here.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Field errors by path; nested items as `targeted_muscles[2].muscle` (0-based).",
        )
        return fields


class ErrorSerializer(serializers.Serializer):
    """The one error document of every 4xx response."""

    error = ErrorDetailSerializer()
