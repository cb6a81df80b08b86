"""The course summary / letter to the referrer: course, pain and outcome trends, release order."""

import datetime as dt

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from records.choices import AdverseEventKind, Outcome, Severity, Side, TwitchResponse
from records.clinical import MCID_POINTS
from records.selectors import TWITCH_GRADE

from .layout import ChartSeries, build_pdf, clinic_zone, heading, key_values, para, table, text, trend_chart

__all__ = ["NPRS_MCID", "course_summary_pdf", "pain_series"]

NPRS_MCID = MCID_POINTS  # the chart's rule (records.clinical): 2 points (Childs 2005; Farrar 2001)
_TWITCH_SHORT = {
    TwitchResponse.NONE: "none", TwitchResponse.NEEDLE_GRASP: "grasp",
    TwitchResponse.LOCAL_TWITCH: "LTR", TwitchResponse.STRONG_CONTRACTION: "strong",
}


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value or "")


def pain_series(sessions: list[dict]) -> ChartSeries:
    """NPRS before each signed session, from the timeline's session entries: the first series."""
    return ("NPRS before session (0-10)", [(f"#{s['number']}", s["pain_before"]) for s in sessions], NPRS_MCID)


def _muscles(release_sessions: list[dict]) -> list[dict]:
    """Per muscle and side over the signed sessions, in order of first needling."""
    muscles: dict[tuple, dict] = {}
    for row in release_sessions:
        for release in row["releases"]:
            summary = muscles.setdefault((release["muscle"], release["side"]), {
                "name": release["muscle_name"], "side": release["side"], "first": row["number"], "trend": [],
                "outcomes": [],
            })
            summary["trend"].append(release["twitch_response"])
            summary["outcomes"].append(release["outcome"])
    return list(muscles.values())


def course_summary_pdf(
    *, patient, clinic, sources: dict, outcome_series: list[ChartSeries], verify_base: str,
    generated_at: dt.datetime,
) -> bytes:
    """The summary as PDF bytes. ``outcome_series`` are drawn one chart each, NPRS first."""
    zone = clinic_zone(clinic)
    sessions = sources["sessions"]
    story = [
        para("Course summary", "title"),
        para("To the referring clinician: a summary of IMS / dry-needling treatment, built from the signed "
             "record.", "small"),
        Spacer(1, 2 * mm),
        key_values([
            ("Patient", f"{patient.family_name}, {patient.given_name}"),
            ("Chart number", patient.chart_number),
            ("Date of birth", f"{patient.date_of_birth:%d %b %Y}" if patient.date_of_birth else ""),
            ("Signed sessions", (
                f"{len(sessions)}, from {sessions[0]['at'].astimezone(zone):%d %b %Y} "
                f"to {sessions[-1]['at'].astimezone(zone):%d %b %Y}" if sessions else "none yet"
            )),
            ("Practitioner(s)", ", ".join(sorted({s["practitioner"] for s in sessions})) or ""),
        ]),
    ]
    for assessment in sources["assessments"]:
        story.append(heading(f"Assessment, {assessment['at'].astimezone(zone):%d %b %Y}"))
        segments = ", ".join(assessment.get("affected_segments") or []) or "none recorded"
        story.append(key_values([
            ("Assessed by", assessment["practitioner"]),
            ("Chief complaint", assessment["summary"] or ""),
            ("Affected segments", segments),
            ("Planned release order", "; ".join(assessment["plan"]) or "no plan recorded"),
        ]))

    story.append(heading("Pain and outcome trends"))
    for index, (name, points, mcid) in enumerate(outcome_series):
        lines = [(name, points, mcid)]
        if index == 0:  # pain: the after-session ratings beside the before-session ones
            lines.append(("NPRS after session", [(f"#{s['number']}", s["pain_after"]) for s in sessions], None))
        story.append(trend_chart(lines, title=name, y_max=10 if index == 0 else None))
    rows = [["Session", "Date", "Pain before", "Pain after", "Change", "Adverse events"]]
    for s in sessions:
        before, after = s["pain_before"], s["pain_after"]
        change = f"{after - before:+d}" if before is not None and after is not None else ""
        events = ", ".join(
            f"{_label(AdverseEventKind, a['kind'])} ({_label(Severity, a['severity']).lower()})"
            for a in s["adverse_events"]
        )
        rows.append([f"#{s['number']}", f"{s['at'].astimezone(zone):%d %b %Y}",
                     "" if before is None else str(before), "" if after is None else str(after), change, events])
    if sessions:
        story.append(table(rows, widths=[16 * mm, 24 * mm, 20 * mm, 20 * mm, 16 * mm, 74 * mm]))

    story.append(heading("Order of release"))
    release_sessions = sources["release_sessions"]
    if release_sessions:
        rows = [["Session", "Muscles in release order (side, twitch response, outcome)"]]
        for row in release_sessions:
            steps = "; ".join(
                f"{r['order']}. {r['muscle_name']} ({_label(Side, r['side']).lower()}"
                f"{', ' + r['segment'] if r.get('segment') else ''}, {_TWITCH_SHORT.get(r['twitch_response'], '')}, "
                f"{_label(Outcome, r['outcome']).lower()})"
                for r in row["releases"]
            )
            rows.append([f"#{row['number']}", steps or "no muscles needled"])
        story.append(table(rows, widths=[16 * mm, 154 * mm]))
        story.append(Spacer(1, 2 * mm))
        rows = [["Muscle", "Side", "First", "Times", "Twitch response over sessions", "Latest outcome"]]
        for m in _muscles(release_sessions):
            trend = m["trend"]
            fading = len(trend) > 1 and TWITCH_GRADE[trend[-1]] < TWITCH_GRADE[trend[0]]
            rows.append([
                m["name"], _label(Side, m["side"]), f"#{m['first']}", str(len(trend)),
                " > ".join(_TWITCH_SHORT.get(t, t) for t in trend) + (" (fading)" if fading else ""),
                _label(Outcome, m["outcomes"][-1]),
            ])
        story.append(table(rows, widths=[42 * mm, 16 * mm, 12 * mm, 12 * mm, 58 * mm, 30 * mm]))
    else:
        story.append(para("No signed session yet."))

    if sources["addenda"]:
        story.append(heading("Addenda"))
        for addendum in sources["addenda"]:
            story.append(para(f"{addendum['at'].astimezone(zone):%d %b %Y}, {addendum['author']}:", "small"))
            story.append(para(addendum["summary"]))

    story.append(heading("Verification"))
    story.append(para(
        "Every session above is signed and sealed with a sign-off digest. "
        f"GET {text(verify_base)}/api/v1/sessions/&lt;id&gt;/verify/ (with an API token of this clinic) answers "
        "\"intact\" while a session still matches its signature; each session's procedure note "
        "(sessions/&lt;id&gt;/document.pdf) prints its digest.", "small", markup=True,
    ))
    rows = [["Session", "Record id"]] + [[f"#{s['number']}", str(s["id"])] for s in sessions]
    if sessions:
        story.append(table(rows, widths=[16 * mm, 154 * mm]))
    if sources["drafts_left_out"]:
        story.append(para(f"{sources['drafts_left_out']} unsigned draft session(s) are not included.", "small"))
    return build_pdf(
        story=story, title="Course summary", clinic_name=clinic.name, clinic_address=clinic.address,
        footer=f"Patient record {patient.pk}", generated_at=generated_at.astimezone(zone),
    )
