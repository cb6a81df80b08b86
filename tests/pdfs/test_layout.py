"""The shared page pieces: text made safe for the PDF fonts, charts without data."""

import datetime as dt

from pdfs.layout import build_pdf, para, text, trend_chart


def test_text_escapes_markup_and_replaces_characters_the_fonts_lack():
    assert text("<b>Smith & Co</b>") == "&lt;b&gt;Smith &amp; Co&lt;/b&gt;"
    assert text("Zoë Łukasz 李") == "Zoë ?ukasz ?"
    assert text("line 1\nline 2") == "line 1<br/>line 2"
    assert text(None) == ""


def test_a_chart_without_scores_says_so_and_still_renders():
    chart = trend_chart([("NPRS", [("#1", None)], 2)], title="Pain")
    content = build_pdf(story=[para("x"), chart], title="t", clinic_name="Clinic", clinic_address="",
                        footer="f", generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert content.startswith(b"%PDF-") and b"%%EOF" in content[-32:]
