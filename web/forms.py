"""Forms of the pages. They parse and label input; the services decide what is allowed."""

import datetime as dt

from django import forms
from django.forms import formset_factory
from django.utils import timezone

from records.choices import (
    SEGMENTS,
    AdverseEventKind,
    Outcome,
    PrecautionCode,
    Severity,
    Sex,
    Side,
    TwitchResponse,
)
from records.muscle_search import EXACT, MuscleEntry, rank, tier_of

__all__ = [
    "AddendumForm",
    "AdverseEventFormSet",
    "AssessmentForm",
    "ConsentForm",
    "FindingFormSet",
    "PatientForm",
    "PlanFormSet",
    "PrecautionsForm",
    "SessionForm",
    "TargetedFormSet",
    "oversized_formsets",
    "apply_errors",
]

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
PAIN_CHOICES = [("", "—")] + [(str(n), str(n)) for n in range(11)]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_LOCAL, **kwargs)


class PatientForm(forms.Form):
    given_name = forms.CharField(max_length=100)
    family_name = forms.CharField(max_length=100)
    # <input type="date"> speaks ISO 8601 whatever the page's locale.
    date_of_birth = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    sex = forms.ChoiceField(choices=Sex.choices, initial=Sex.UNKNOWN)
    chart_number = forms.CharField(
        max_length=32, required=False, help_text="Leave empty to have one generated."
    )
    phone = forms.CharField(max_length=40, required=False)
    email = forms.EmailField(required=False)


class PrecautionsForm(forms.Form):
    """One checkbox and one note per precaution code."""

    def __init__(self, *args, precautions=(), **kwargs):
        super().__init__(*args, **kwargs)
        current = {p.code: p.note for p in precautions}
        for code, label in PrecautionCode.choices:
            self.fields[f"has_{code}"] = forms.BooleanField(
                label=label, required=False, initial=code in current
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=f"Note on {label.lower()}", max_length=500, required=False, initial=current.get(code, "")
            )

    def rows(self):
        for code, label in PrecautionCode.choices:
            yield {"code": code, "label": label, "check": self[f"has_{code}"], "note": self[f"note_{code}"]}

    def precautions(self) -> list[dict]:
        return [
            {"code": code, "note": self.cleaned_data.get(f"note_{code}", "")}
            for code in PrecautionCode.values
            if self.cleaned_data.get(f"has_{code}")
        ]


class ConsentForm(forms.Form):
    form_version = forms.CharField(max_length=40, initial="IMS-2026-01", label="Consent form version")
    given_at = forms.DateTimeField(
        label="Given at", widget=DateTimeLocalInput(), input_formats=[DATETIME_LOCAL], required=False
    )


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum", widget=forms.Textarea(attrs={"rows": 3}), max_length=20000,
        help_text="Dated and signed with your name; it cannot be changed afterwards.",
    )


class MuscleRowForm(forms.Form):
    """Base of rows naming a muscle by its catalogue name (type-ahead) or slug."""

    muscle = forms.CharField(max_length=120, required=False, label="Muscle")

    def __init__(self, *args, catalogue=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue or {}
        self.fields["muscle"].widget.attrs.update(
            {"list": "muscle-catalogue", "autocomplete": "off", "class": "muscle-input",
             "placeholder": "Type a muscle…"}
        )

    @property
    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("muscle") if hasattr(self, "cleaned_data") else None)

    def clean_muscle(self):
        text = (self.cleaned_data.get("muscle") or "").strip()
        if not text:
            return None
        muscle = self.catalogue.get(text.lower()) or self._clinical_match(text)
        if muscle is None:
            raise forms.ValidationError(f"“{text}” is not in the muscle catalogue; pick one from the list.")
        return muscle

    def _clinical_match(self, text: str):
        """What clinicians type ("QL", "multif", "glut med", "piriformus"): the best match of
        the clinical search, when exactly one muscle is the best."""
        muscles = {m.pk: m for m in self.catalogue.values()}.values()
        ranked = rank(text, [MuscleEntry(m, m.name, m.slug) for m in muscles])
        if not ranked:
            return None
        if len(ranked) > 1 and tier_of(text, ranked[1]) == tier_of(text, ranked[0]) != EXACT:
            return None  # two equally good answers: let the clinician choose
        return ranked[0].key

    @property
    def lung_field_muscle(self):
        """The row's muscle when it lies over the lung field (the warning shows on this row)."""
        text = (self.data.get(self.add_prefix("muscle")) if self.is_bound else self.initial.get("muscle")) or ""
        muscle = self.catalogue.get(text.strip().lower())
        return muscle if muscle is not None and muscle.lung_field else None

    def require(self, *names):
        for name in names:
            if self.cleaned_data.get(name) in (None, ""):
                self.add_error(name, "Choose one.")


class TargetedForm(MuscleRowForm):
    """One muscle needled, in release order (its position in the list)."""

    side = forms.ChoiceField(choices=Side.choices, widget=forms.RadioSelect, required=False)
    segment = forms.ChoiceField(
        choices=[("", "—")] + [(s, s) for s in SEGMENTS], required=False, label="Segment",
        help_text="Root level, for paraspinals.",
    )
    twitch_response = forms.ChoiceField(
        choices=TwitchResponse.choices, widget=forms.RadioSelect, required=False, label="Twitch response"
    )
    twitch_count = forms.IntegerField(min_value=0, max_value=999, required=False, label="Twitches")
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect, required=False, label="Outcome")
    needle_length_mm = forms.IntegerField(min_value=5, max_value=150, required=False, label="Needle length (mm)")
    needle_diameter_mm = forms.DecimalField(
        min_value=0.1, max_value=0.5, max_digits=3, decimal_places=2, required=False, label="Needle Ø (mm)"
    )
    notes = forms.CharField(max_length=500, required=False, label="Notes")

    def __init__(self, *args, needle_defaults=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The practitioner's last needle size: new rows start with it.
        for key, value in (needle_defaults or {}).items():
            if key in self.fields and value is not None:
                self.fields[key].initial = value

    def clean(self):
        data = super().clean()
        if data.get("muscle"):
            self.require("side", "twitch_response", "outcome")
        return data

    def as_item(self) -> dict:
        data = self.cleaned_data
        return {
            "muscle": data["muscle"],
            "side": data["side"],
            "segment": data.get("segment") or "",
            "twitch_response": data["twitch_response"],
            "twitch_count": data.get("twitch_count"),
            "outcome": data["outcome"],
            "needle_length_mm": data.get("needle_length_mm"),
            "needle_diameter_mm": data.get("needle_diameter_mm"),
            "notes": data.get("notes") or "",
        }


class AdverseEventForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "—")] + AdverseEventKind.choices, required=False, label="Adverse event")
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MILD, label="Severity")
    notes = forms.CharField(max_length=1000, required=False, label="Notes")

    @property
    def is_blank(self) -> bool:
        return not self.cleaned_data.get("kind")

    def as_item(self) -> dict:
        return {"kind": self.cleaned_data["kind"], "severity": self.cleaned_data["severity"],
                "notes": self.cleaned_data.get("notes") or ""}


class SessionForm(forms.Form):
    started_at = forms.DateTimeField(label="Started", widget=DateTimeLocalInput(), input_formats=[DATETIME_LOCAL])
    assessment = forms.ChoiceField(required=False, label="Course of care")
    pain_before = forms.ChoiceField(
        choices=PAIN_CHOICES, required=False, widget=forms.RadioSelect, label="Pain before (NPRS 0–10)"
    )
    pain_after = forms.ChoiceField(
        choices=PAIN_CHOICES, required=False, widget=forms.RadioSelect, label="Pain after (NPRS 0–10)"
    )
    needles_used = forms.IntegerField(min_value=0, max_value=500, initial=0, label="Needles used")
    needles_removed = forms.IntegerField(
        min_value=0, max_value=500, initial=0, label="Needles removed and disposed"
    )
    exercises = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                label="Exercises (movement re-integration)")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Notes")
    sharps_discrepancy_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, strip=False,
        label="Sharps discrepancy (only if a needle is unaccounted for: what happened)",
    )
    # Rendered beside the lung-field warning, outside the <form> element (form= attribute).
    lung_field_precautions_confirmed = forms.BooleanField(
        required=False, widget=forms.CheckboxInput(attrs={"form": "session-form"}),
        label="Lung-field precautions taken: technique suited to the lung field, patient told the signs of "
        "pneumothorax",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, assessments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.assessments = {str(a.pk): a for a in assessments}
        self.fields["assessment"].choices = [("", "— none —")] + [
            (str(a.pk), f"{timezone.localtime(a.assessed_at):%d %b %Y}: {a.chief_complaint[:60]}")
            for a in assessments
        ]

    def clean_assessment(self):
        value = self.cleaned_data.get("assessment")
        return self.assessments.get(value) if value else None

    def pain_items(self) -> list[dict]:
        items = []
        for field, moment in (("pain_before", "pre_session"), ("pain_after", "post_session")):
            value = self.cleaned_data.get(field)
            if value not in (None, ""):
                items.append({"moment": moment, "score": int(value)})
        return items


# absolute_max = max_num: a forged TOTAL_FORMS never makes Django build more forms than a
# real session can hold (its default allows max_num + 1000); oversized_formsets() refuses
# such a POST before any form exists.
TargetedFormSet = formset_factory(TargetedForm, extra=0, max_num=60, absolute_max=60, validate_max=True)
AdverseEventFormSet = formset_factory(AdverseEventForm, extra=0, max_num=20, absolute_max=20, validate_max=True)


class FindingForm(MuscleRowForm):
    side = forms.ChoiceField(choices=Side.choices, widget=forms.RadioSelect, required=False)
    taut_band = forms.BooleanField(required=False, label="Taut band")
    tenderness = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(4)], coerce=int, initial=0, label="Tenderness (0–3)",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(max_length=500, required=False, label="Notes")

    def clean(self):
        data = super().clean()
        if data.get("muscle"):
            self.require("side")
        return data

    def as_item(self) -> dict:
        d = self.cleaned_data
        return {"muscle": d["muscle"], "side": d["side"], "taut_band": bool(d.get("taut_band")),
                "tenderness": d.get("tenderness") or 0, "notes": d.get("notes") or ""}


class PlanForm(MuscleRowForm):
    side = forms.ChoiceField(choices=Side.choices, widget=forms.RadioSelect, required=False)
    rationale = forms.CharField(max_length=500, required=False, label="Rationale")

    def clean(self):
        data = super().clean()
        if data.get("muscle"):
            self.require("side")
        return data

    def as_item(self) -> dict:
        d = self.cleaned_data
        return {"muscle": d["muscle"], "side": d["side"], "rationale": d.get("rationale") or ""}


FindingFormSet = formset_factory(FindingForm, extra=0, max_num=60, absolute_max=60, validate_max=True)
PlanFormSet = formset_factory(PlanForm, extra=0, max_num=60, absolute_max=60, validate_max=True)


def oversized_formsets(data, formsets: dict) -> list[str]:
    """Prefixes whose ``TOTAL_FORMS`` claims more forms than the formset may ever hold (or is
    not a number): such a POST is refused before a single form is built (DESIGN §11)."""
    refused = []
    for prefix, formset_class in formsets.items():
        raw = data.get(f"{prefix}-TOTAL_FORMS", "0")
        if not raw.isdigit() or len(raw) > 6 or int(raw) > formset_class.absolute_max:
            refused.append(prefix)
    return refused


class AssessmentForm(forms.Form):
    assessed_at = forms.DateTimeField(label="Assessed", widget=DateTimeLocalInput(), input_formats=[DATETIME_LOCAL])
    chief_complaint = forms.CharField(max_length=500, label="Chief complaint")
    history = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="History")
    affected_segments = forms.MultipleChoiceField(
        choices=[(s, s) for s in SEGMENTS], required=False, widget=forms.CheckboxSelectMultiple,
        label="Affected segments",
    )
    baseline_pain = forms.ChoiceField(
        choices=PAIN_CHOICES, required=False, widget=forms.RadioSelect, label="Baseline pain (NPRS 0–10)"
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def local_now_input() -> str:
    return timezone.localtime(timezone.now()).strftime(DATETIME_LOCAL)


def to_local_input(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime(DATETIME_LOCAL)


def apply_errors(errors: dict, *, form, formsets: dict, index_maps: dict) -> None:
    """Put a service's InvalidInput errors on the fields that caused them.

    ``targeted_muscles[2].muscle`` lands on the third *non-blank* row's muscle field;
    errors with no matching field go to the form's non-field errors.
    """
    import re

    pattern = re.compile(r"^(\w+)\[(\d+)\]\.?(\w*)")
    for path, messages in errors.items():
        match = pattern.match(path)
        target_form, field = form, path
        if match and match.group(1) in formsets:
            name, index, field = match.group(1), int(match.group(2)), match.group(3)
            forms_list = index_maps.get(name, [])
            if index < len(forms_list):
                target_form = forms_list[index]
        elif path.startswith("pain_scores"):
            target_form, field = form, "pain_before"
        for message in messages:
            if field in target_form.fields:
                target_form.add_error(field, message)
            else:
                form.add_error(None, f"{path}: {message}" if field else message)
