"""The procedure note of one signed session: what was needled, in what order, and how it went."""

import datetime as dt
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from records.choices import AdverseEventKind, Outcome, PainMoment, Severity, Sex, Side, TwitchResponse

from .layout import build_pdf, clinic_zone, heading, key_values, para, table

__all__ = ["procedure_note_pdf"]


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value or "")


def _when(value, zone: ZoneInfo) -> str:
    if not value:
        return ""
    instant = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{instant.astimezone(zone):%d %b %Y %H:%M %Z}"


def _needle(item: dict) -> str:
    parts = []
    if item.get("needle_length_mm"):
        parts.append(f"{item['needle_length_mm']} mm")
    if item.get("needle_diameter_mm"):
        parts.append(f"ø {item['needle_diameter_mm']} mm")
    return " × ".join(parts)


def procedure_note_pdf(
    *, session: dict, patient, clinic, digest: str, verify_url: str, authorisations: list[str],
    generated_at: dt.datetime,
) -> bytes:
    """The note of ``session`` (the API's session representation) as PDF bytes."""
    zone = clinic_zone(clinic)
    pains = {p["moment"]: p["score"] for p in session["pain_scores"]}
    before, after = pains.get(PainMoment.PRE_SESSION), pains.get(PainMoment.POST_SESSION)
    story = [
        para(f"Procedure note: IMS / dry needling, session {session['number']}", "title"),
        key_values([
            ("Patient", f"{patient.family_name}, {patient.given_name}"),
            ("Chart number", patient.chart_number),
            ("Date of birth", f"{patient.date_of_birth:%d %b %Y}" if patient.date_of_birth else ""),
            ("Sex", _label(Sex, patient.sex)),
        ]),
        Spacer(1, 2 * mm),
        key_values([
            ("Session", f"#{session['number']}, {_when(session['started_at'], zone)}"),
            ("Practitioner", session["practitioner_name"]),
            ("Needling authorisation", "; ".join(authorisations) or "None on record in IMS Records."),
        ]),
        heading("Muscles needled, in release order"),
    ]
    if session["targeted_muscles"]:
        rows = [["#", "Muscle", "Side", "Seg.", "Twitch response", "Outcome", "Needle", "Notes"]]
        for item in sorted(session["targeted_muscles"], key=lambda t: t["order"]):
            twitch = _label(TwitchResponse, item["twitch_response"])
            if item.get("twitch_count"):
                twitch += f" (×{item['twitch_count']})"
            rows.append([
                str(item["order"]), item["muscle_name"], _label(Side, item["side"]), item.get("segment") or "",
                twitch, _label(Outcome, item["outcome"]), _needle(item), item.get("notes") or "",
            ])
        story.append(table(rows, widths=[7 * mm, 36 * mm, 14 * mm, 11 * mm, 27 * mm, 20 * mm, 31 * mm, 24 * mm]))
    else:
        story.append(para("No muscles were needled in this session."))

    story.append(heading("Pain (NPRS 0–10)"))
    change = ""
    if before is not None and after is not None:
        drop = before - after
        change = f"; change {-drop:+d}" if drop else "; no change"
    story.append(para(
        f"Before: {before if before is not None else 'not recorded'}; "
        f"after: {after if after is not None else 'not recorded'}{change}."
    ))

    story.append(heading("Adverse events"))
    if session["adverse_events"]:
        story.append(table(
            [["Event", "Severity", "Notes"]]
            + [[_label(AdverseEventKind, a["kind"]), _label(Severity, a["severity"]), a.get("notes") or ""]
               for a in session["adverse_events"]],
            widths=[55 * mm, 30 * mm, 85 * mm],
        ))
    else:
        story.append(para("None recorded."))

    story.append(heading("Sharps count"))
    used, removed = session["needles_used"], session["needles_removed"]
    balanced = "count balanced" if used == removed else "COUNT NOT BALANCED"
    story.append(para(f"Needles used: {used}; removed and disposed: {removed} ({balanced})."))
    if session.get("sharps_discrepancy_note"):
        story.append(para(f"Discrepancy note: {session['sharps_discrepancy_note']}"))

    if session.get("warnings"):
        story.append(heading("Warnings shown at the time"))
        for warning in session["warnings"]:
            story.append(para(f"• {warning.get('message', warning)}"))
    if session.get("exercises"):
        story += [heading("Exercises (movement re-integration)"), para(session["exercises"])]
    if session.get("notes"):
        story += [heading("Notes"), para(session["notes"])]

    story.append(heading("Addenda"))
    if session["addenda"]:
        for addendum in session["addenda"]:
            story.append(para(f"{_when(addendum['created_at'], zone)}, {addendum['author_name']}:", "small"))
            story.append(para(addendum["text"]))
    else:
        story.append(para("None."))

    story.append(heading("Signature"))
    story.append(key_values([
        ("Signed by", session.get("signed_by_name") or ""),
        ("Signed at", _when(session.get("signed_at"), zone)),
        ("Sign-off digest", digest or "(none stored)"),
        ("Record id", session["id"]),
    ]))
    story.append(Spacer(1, 1.5 * mm))
    story.append(para(
        "How to verify: the digest seals the signed content of this session. "
        f"GET {verify_url} (with an API token of this clinic) recomputes it and answers "
        "\"intact\" while the stored record still matches this signature, \"altered\" otherwise. "
        "Addenda are dated corrections made after signing and are not part of the seal.",
        "small",
    ))
    return build_pdf(
        story=story, title=f"Procedure note, session {session['number']}", clinic_name=clinic.name,
        clinic_address=clinic.address, footer=f"Record {session['id']}", generated_at=generated_at.astimezone(zone),
    )
