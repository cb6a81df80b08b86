"""Collecting field errors with paths (``targeted_muscles[2].muscle``) before anything is written."""

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models

from records.exceptions import InvalidInput

__all__ = ["FieldErrors", "build_rows", "check_unique_order"]


class FieldErrors:
    """Accumulates errors across a whole nested input, then raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def clean(self, instance: models.Model, *, prefix: str = "", exclude: Iterable[str] = ()) -> None:
        """Run the model's field validation (choices, ranges, lengths) and record its errors."""
        try:
            instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                path = prefix + field if field != "__all__" else (prefix.rstrip(".") or "non_field_errors")
                for message in messages:
                    self.add(path, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)


def build_rows(
    model: type[models.Model],
    items,
    *,
    path: str,
    fields: Iterable[str],
    errors: FieldErrors,
    fixed: dict,
) -> list[models.Model]:
    """Instantiate nested rows from dicts, refusing unknown keys and resolving muscles in bulk.

    Muscle references may be ``Muscle`` instances, UUIDs or slugs; they are looked up in
    one query so a long list of rows costs no more than a short one.
    """
    from records.models import Muscle

    fields = tuple(fields)
    if items is None:
        return []
    if not isinstance(items, list | tuple):
        errors.add(path, "Expected a list.")
        return []
    wanted_refs = set()
    for item in items:
        if isinstance(item, dict) and "muscle" in item and not isinstance(item["muscle"], Muscle):
            wanted_refs.add(str(item["muscle"]))
    muscles = {}
    if wanted_refs:
        by_id, by_slug = set(), set()
        for ref in wanted_refs:
            try:
                by_id.add(str(uuid.UUID(ref)))
            except ValueError:
                by_slug.add(ref)
        for muscle in Muscle.objects.filter(models.Q(pk__in=by_id) | models.Q(slug__in=by_slug)):
            muscles[str(muscle.pk)] = muscles[muscle.slug] = muscle

    rows = []
    for index, item in enumerate(items):
        prefix = f"{path}[{index}]."
        if not isinstance(item, dict):
            errors.add(f"{path}[{index}]", "Expected an object.")
            continue
        unknown = set(item) - set(fields)
        for key in sorted(unknown):
            errors.add(prefix + key, "Unknown field.")
        values = {key: item[key] for key in fields if key in item}
        if "muscle" in fields:
            ref = values.get("muscle")
            if ref is None:
                errors.add(prefix + "muscle", "This field is required.")
                values.pop("muscle", None)
            elif not isinstance(ref, Muscle):
                muscle = muscles.get(str(ref))
                if muscle is None:
                    errors.add(prefix + "muscle", f"Unknown muscle {str(ref)!r}.")
                    values.pop("muscle")
                else:
                    values["muscle"] = muscle
        for key, value in list(values.items()):
            # Blank text columns are stored as "" rather than NULL.
            if value is None and isinstance(model._meta.get_field(key), models.CharField | models.TextField):
                values[key] = ""
        try:
            row = model(**fixed, **values)
        except (TypeError, ValueError) as exc:
            errors.add(f"{path}[{index}]", str(exc))
            continue
        errors.clean(row, prefix=prefix, exclude=[*fixed, "muscle", "clinic"])
        rows.append(row)
    return rows


def check_unique_order(rows, items, *, path: str, errors: FieldErrors) -> None:
    """Refuse two nested rows with the same ``order`` (the database refuses it too)."""
    seen: dict[int, int] = {}
    for index, item in enumerate(items):
        order = item.get("order") if isinstance(item, dict) else None
        if not isinstance(order, int) or isinstance(order, bool):
            continue
        if order in seen:
            errors.add(f"{path}[{index}].order", f"Order {order} is already used by {path}[{seen[order]}].")
        else:
            seen[order] = index
