"""Read serializers generated from the domain's representation types.

The domain (``records.representations``) builds every record the API returns as a
``TypedDict``; these classes are made from those types, so the OpenAPI schema documents
exactly what the builders return and nothing is written twice. They are never run on
data: responses are the builders' dicts as they are.
"""

import datetime as dt
import types
import typing
import uuid

from django.db import models
from rest_framework import serializers

from records import representations as r

__all__ = [
    "AddendumSerializer",
    "AssessmentSerializer",
    "ConsentSerializer",
    "PainScoreSerializer",
    "PatientSerializer",
    "SessionSerializer",
    "WarningSerializer",
    "serializer_for",
]

_SCALARS = {
    str: serializers.CharField,
    int: serializers.IntegerField,
    bool: serializers.BooleanField,
    float: serializers.FloatField,
    uuid.UUID: serializers.UUIDField,
    dt.date: serializers.DateField,
    r.Instant: serializers.DateTimeField,
}
# Component names as they were when hand-written serializers documented these shapes.
_NAMES = {r.PrecautionRepresentation: "PrecautionReadSerializer"}
_made: dict[type, type[serializers.Serializer]] = {}


def serializer_for(representation: type) -> type[serializers.Serializer]:
    """A read-only serializer class describing a representation ``TypedDict`` (one per type)."""
    if representation not in _made:
        hints = typing.get_type_hints(representation, include_extras=True)
        optional = getattr(representation, "__optional_keys__", frozenset())
        attrs = {
            name: _field(hint, required=name not in optional) for name, hint in hints.items()
        }
        name = _NAMES.get(representation, representation.__name__.removesuffix("Representation") + "Serializer")
        attrs["__doc__"] = representation.__doc__
        attrs["__module__"] = __name__
        _made[representation] = type(name, (serializers.Serializer,), attrs)
    return _made[representation]


def _field(hint, *, required: bool = True, **kwargs) -> serializers.Field:
    origin = typing.get_origin(hint)
    if origin in (typing.NotRequired, typing.Required):
        return _field(typing.get_args(hint)[0], required=required, **kwargs)
    if origin is typing.Annotated:
        # Annotated[X, "help text"]: the text documents the field.
        base, *notes = typing.get_args(hint)
        kwargs.setdefault("help_text", " ".join(note for note in notes if isinstance(note, str)) or None)
        return _field(base, required=required, **kwargs)
    if required:
        kwargs.setdefault("read_only", True)
    else:
        # A key the builder may leave out: read-only fields are documented as always present.
        kwargs["required"] = False
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        if len(present) != 1:
            raise TypeError(f"Only X | None unions are described: {hint}")
        return _field(present[0], required=required, allow_null=True, **kwargs)
    if origin is list:
        (item,) = args
        if typing.is_typeddict(item):
            return serializer_for(item)(many=True, **kwargs)
        return serializers.ListField(child=_field(item, read_only=False), **kwargs)
    if typing.is_typeddict(hint):
        return serializer_for(hint)(**kwargs)
    if isinstance(hint, type) and issubclass(hint, models.Choices):
        return serializers.ChoiceField(choices=hint.choices, **kwargs)
    if hint in _SCALARS:
        return _SCALARS[hint](**kwargs)
    raise TypeError(f"No field for {hint!r}")


SessionSerializer = serializer_for(r.SessionRepresentation)
WarningSerializer = serializer_for(r.WarningRepresentation)
AddendumSerializer = serializer_for(r.AddendumRepresentation)
AssessmentSerializer = serializer_for(r.AssessmentRepresentation)
PatientSerializer = serializer_for(r.PatientRepresentation)
ConsentSerializer = serializer_for(r.ConsentRepresentation)
PainScoreSerializer = serializer_for(r.PainScoreRepresentation)
