"""The clinical page both documents share: styles, the clinic's letterhead, the footer, charts."""

import datetime as dt
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

__all__ = [
    "ChartSeries",
    "build_pdf",
    "clinic_zone",
    "heading",
    "key_values",
    "para",
    "styles",
    "table",
    "text",
    "trend_chart",
]

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
RULE = colors.HexColor("#cbd2d9")
ACCENT = colors.HexColor("#0b6e4f")
SERIES_COLOURS = [colors.HexColor("#c0392b"), colors.HexColor("#0b6e4f"), colors.HexColor("#2c5282"),
                  colors.HexColor("#b7791f"), colors.HexColor("#6b46c1")]

# (instrument name, [(x label, value)], MCID or None): one line of a trend chart.
ChartSeries = tuple[str, Sequence[tuple[str, float | None]], float | None]

_CELL_FONT, _CELL_SIZE = "Helvetica", 8.5
_base = getSampleStyleSheet()
styles = {
    "title": ParagraphStyle("title", parent=_base["Title"], fontSize=16, leading=20, alignment=0, textColor=INK,
                            spaceAfter=2 * mm),
    "h2": ParagraphStyle("h2", parent=_base["Heading2"], fontSize=11.5, leading=14, textColor=ACCENT,
                         spaceBefore=4 * mm, spaceAfter=1.5 * mm),
    "body": ParagraphStyle("body", parent=_base["BodyText"], fontSize=9.5, leading=12.5, textColor=INK),
    "small": ParagraphStyle("small", parent=_base["BodyText"], fontSize=8, leading=10, textColor=MUTED),
    "cell": ParagraphStyle("cell", parent=_base["BodyText"], fontSize=8.5, leading=10.5, textColor=INK),
    "right": ParagraphStyle("right", parent=_base["BodyText"], fontSize=8.5, leading=11, textColor=MUTED,
                            alignment=TA_RIGHT),
}


def clinic_zone(clinic) -> ZoneInfo:
    """The clinic's time zone for printed times (UTC if it names none we know)."""
    try:
        return ZoneInfo(clinic.timezone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def text(value) -> str:
    """Plain text made safe for a Paragraph, in the standard fonts' character set.

    The built-in PDF fonts cover Western European text (cp1252); any other character is
    shown as "?" rather than as an empty box.
    """
    if value is None:
        return ""
    plain = str(value).encode("cp1252", errors="replace").decode("cp1252")
    return escape(plain).replace("\n", "<br/>")


def para(value, style: str = "body", *, markup: bool = False) -> Paragraph:
    """A paragraph of plain text (escaped), or of trusted markup built here."""
    return Paragraph(value if markup else text(value), styles[style])


def heading(value: str) -> Paragraph:
    return para(value, "h2")


def table(rows: Sequence[Sequence], *, widths: Sequence[float] | None = None, header: bool = True) -> Table:
    """A ruled table, the first row the header.

    Strings are broken into lines of their column's width as plain text (a paragraph per
    cell costs far more to lay out: this keeps a 40-session summary fast).
    """
    def cell(value, column: int):
        if not isinstance(value, str):
            return value
        if not widths:
            return para(value, "cell")
        # Plain text broken into lines of the column's width: far cheaper than a paragraph.
        room = widths[column] - 6
        lines = []
        for part in _safe(value).split("\n"):
            lines += simpleSplit(part, _CELL_FONT, _CELL_SIZE, room) or [""]
        return "\n".join(lines)

    cells = [[cell(value, column) for column, value in enumerate(row)] for row in rows]
    result = Table(cells, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    commands = [
        ("FONT", (0, 0), (-1, -1), _CELL_FONT, _CELL_SIZE, _CELL_SIZE + 2),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")),
                     ("LINEBELOW", (0, 0), (-1, 0), 0.75, MUTED)]
    result.setStyle(TableStyle(commands))
    return result


def key_values(pairs: Sequence[tuple[str, str]], *, width: float = 170 * mm) -> Table:
    """Label: value lines in two columns (labels muted)."""
    rows = [[para(f"<b>{text(label)}</b>", "cell", markup=True), para(value, "cell")] for label, value in pairs]
    result = Table(rows, colWidths=[42 * mm, width - 42 * mm], hAlign="LEFT")
    result.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))
    return result


def trend_chart(series: Sequence[ChartSeries], *, title: str, y_max: float | None = None,
                width: float = 170 * mm, height: float = 62 * mm) -> KeepTogether:
    """A line chart of one or more series over the same x labels (e.g. sessions).

    Each series may carry its MCID, drawn as a dashed line that far below the series' first
    value (for scales where lower is better, like the NPRS).
    """
    drawing = Drawing(width, height)
    labels: list[str] = []
    for _name, points, _mcid in series:
        for label, _value in points:
            if label not in labels:
                labels.append(label)
    plot = LinePlot()
    plot.x, plot.y = 12 * mm, 14 * mm
    plot.width, plot.height = width - 16 * mm, height - 24 * mm
    data, drawn = [], []
    for index, (name, points, _mcid) in enumerate(series):
        line = [(labels.index(label) + 1, value) for label, value in points if value is not None]
        if line:
            data.append(line)
            drawn.append((index, name))
    if not data:
        drawing.add(String(0, height / 2, "No scores recorded yet.", fontName="Helvetica", fontSize=9,
                           fillColor=MUTED))
        return KeepTogether([para(title, "small"), drawing])
    plot.data = data
    top = y_max if y_max is not None else max(v for line in data for _x, v in line)
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0.5, len(labels) + 0.5
    step = max(1, len(labels) // 12)
    plot.xValueAxis.valueSteps = list(range(1, len(labels) + 1, step))
    plot.xValueAxis.labelTextFormat = lambda x: labels[int(x) - 1] if 1 <= int(x) <= len(labels) else ""
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, top
    plot.yValueAxis.valueStep = 2 if top <= 10 else None
    plot.yValueAxis.labels.fontSize = 7
    for position, (index, _name) in enumerate(drawn):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        plot.lines[position].strokeColor = colour
        plot.lines[position].strokeWidth = 1.4
        plot.lines[position].symbol = makeMarker("FilledCircle", size=3.5, fillColor=colour, strokeColor=colour)
    drawing.add(plot)
    legend = []
    for index, name in drawn:
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        legend.append((colour, name))
        _name, points, mcid = series[index]
        first = next((value for _label, value in points if value is not None), None)
        if mcid is not None and first is not None and first - mcid >= 0:
            y = plot.y + plot.height * (first - mcid) / top
            drawing.add(Line(plot.x, y, plot.x + plot.width, y, strokeColor=colour, strokeWidth=0.6,
                             strokeDashArray=[3, 2]))
            legend.append((colors.white, f"(dashed: MCID, {mcid:g} below the first score)"))
    key = Legend()
    key.x, key.y = plot.x, height - 3 * mm
    key.fontName, key.fontSize = "Helvetica", 7.5
    key.alignment = "right"
    key.columnMaximum = 1
    key.dx = key.dy = 6
    key.deltax = 60
    key.colorNamePairs = legend
    drawing.add(key)
    return KeepTogether([para(title, "small"), drawing])


def build_pdf(*, story: list, title: str, clinic_name: str, clinic_address: str, footer: str,
              generated_at: dt.datetime) -> bytes:
    """The document's bytes: A4, the clinic's letterhead on every page, a footer with page numbers."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=30 * mm, bottomMargin=18 * mm,
        title=title, author=clinic_name, creator="IMS Records", subject=title,
    )
    address = " · ".join(line.strip() for line in clinic_address.splitlines() if line.strip())

    def decorate(canvas, doc):
        canvas.saveState()
        width, height = A4
        canvas.setFillColor(ACCENT)
        canvas.setFont("Helvetica-Bold", 12)
        canvas.drawString(20 * mm, height - 15 * mm, _safe(clinic_name))
        canvas.setFillColor(MUTED)
        canvas.setFont("Helvetica", 8)
        if address:
            canvas.drawString(20 * mm, height - 19.5 * mm, _safe(address)[:140])
        canvas.drawRightString(width - 20 * mm, height - 15 * mm, _safe(title))
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(20 * mm, height - 22 * mm, width - 20 * mm, height - 22 * mm)
        canvas.line(20 * mm, 13 * mm, width - 20 * mm, 13 * mm)
        canvas.setFont("Helvetica", 7)
        canvas.drawString(20 * mm, 9 * mm, _safe(f"{footer} · generated {generated_at:%d %b %Y %H:%M %Z}")[:150])
        canvas.drawRightString(width - 20 * mm, 9 * mm, f"Page {doc.page}")
        canvas.restoreState()

    document.build([*story, Spacer(1, 1)], onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _safe(value: str) -> str:
    return str(value).encode("cp1252", errors="replace").decode("cp1252")
