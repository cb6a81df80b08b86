"""Outcome instruments as data: one JSON file per questionnaire, validated on load.

The files here ship with the software (only instruments whose licence allows that: see
``LICENCES.md``). ``manage.py load_instrument FILE`` adds one a clinic holds a licence for.
Every file is checked against :class:`InstrumentFile` before it reaches the database, so a
typo is a clear error naming the key, never a questionnaire that scores wrongly.
"""

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "SHIPPED_DIR",
    "InstrumentFileError",
    "InstrumentFile",
    "load_instrument_file",
    "parse_instrument",
    "shipped_instruments",
]

SHIPPED_DIR = Path(__file__).resolve().parent


class InstrumentFileError(ValueError):
    """An instrument file that does not follow the schema; the message lists each problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1, max_length=500)
    min: int | float
    max: int | float
    integer: bool = True
    required: bool
    # Whether the patient writes words with the item (PSFS names each activity).
    text: Literal["none", "optional", "required"] = "none"

    @model_validator(mode="after")
    def _range(self):
        if self.min >= self.max:
            raise ValueError(f"item {self.code}: min must be below max")
        return self


class Scoring(_Strict):
    method: Literal["sum", "mean", "percentage"]
    # How the instrument's manual treats unanswered items: refuse to score, score the mean
    # of those answered, or prorate the sum (up to ``max_missing`` items left out).
    missing: Literal["refuse", "mean_of_answered", "prorate"]
    min_answered: int = Field(default=1, ge=1)
    max_missing: int = Field(default=0, ge=0)
    manual: str = Field(min_length=1, description="The manual's scoring rule, in words, with its source.")


class InstrumentFile(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=40)
    licence: str = Field(min_length=10)
    higher_is_better: bool
    score_range: tuple[int | float, int | float]
    mcid: float = Field(gt=0)
    mcid_source: str = Field(min_length=10)
    loinc: str | None = Field(default=None, pattern=r"^\d{1,7}-\d$")
    items: list[Item] = Field(min_length=1, max_length=200)
    scoring: Scoring

    @model_validator(mode="after")
    def _consistent(self):
        codes = [item.code for item in self.items]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"item codes repeat: {', '.join(duplicates)}")
        low, high = self.score_range
        if low >= high:
            raise ValueError("score_range must be [lowest, highest]")
        required = sum(1 for item in self.items if item.required)
        if self.scoring.missing == "refuse" and required != len(self.items):
            raise ValueError("scoring.missing 'refuse' needs every item to be required")
        if self.scoring.min_answered > len(self.items):
            raise ValueError("scoring.min_answered exceeds the number of items")
        return self


def parse_instrument(data, *, source: str = "instrument") -> dict:
    """Validate an instrument definition (a parsed JSON object); return it normalised."""
    try:
        parsed = InstrumentFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(file)'}: {error['msg']}" for error in exc.errors()
        )
        raise InstrumentFileError(f"{source}: {problems}") from None
    return parsed.model_dump(mode="json")


def load_instrument_file(path: str | Path) -> dict:
    """Read and validate one instrument file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentFileError(f"{path.name}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InstrumentFileError(f"{path.name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    return parse_instrument(data, source=path.name)


def shipped_instruments() -> list[dict]:
    """Every instrument that ships with the software, validated."""
    return [load_instrument_file(path) for path in sorted(SHIPPED_DIR.glob("*.json"))]
