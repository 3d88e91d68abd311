"""The participant handout: one printable A4 PDF, German and the participant's language side
by side — course dates with the teacher's presence, and the connection there and back.

Texts come from the gettext catalogues in ``locales/`` (read with babel), dates are written
per language with babel, and fpdf2 shapes the text with HarfBuzz (Arabic and Farsi joined,
right to left). Fonts: Noto Sans and Noto Naskh Arabic (SIL OFL 1.1) from the system
(Debian: ``fonts-noto-core``); the PDF embeds the subsets it uses.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.pofile import read_po
from fpdf import FPDF

from course_planner.errors import CoursePlannerError
from course_planner.rotation.plan import Plan
from course_planner.transit.reachability import Study, clock, journeys
from course_planner.transit.router import Mode

LANGUAGES = ("en", "ar", "uk", "fa", "tr")
RTL = {"ar": "ara", "fa": "fas"}
LOCALES = Path(__file__).parent / "locales"
FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/noto"),
             Path("/usr/local/share/fonts/noto"))
FONTS = {"sans": "NotoSans-Regular.ttf", "sans-bold": "NotoSans-Bold.ttf",
         "arab": "NotoNaskhArabic-Regular.ttf"}


class HandoutError(CoursePlannerError, RuntimeError):
    """A handout cannot be made (language or fonts missing)."""


@cache
def catalogue(lang: str) -> dict[str, str]:
    path = LOCALES / lang / "LC_MESSAGES" / "handout.po"
    if not path.exists():
        raise HandoutError(f"no handout texts for the language '{lang}'.",
                           hint=f"Available: {', '.join(LANGUAGES)}.")
    with path.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id and m.string}


def _(text: str, lang: str) -> str:
    return text if lang == "de" else catalogue(lang).get(text, text)


def font_file(name: str) -> Path:
    for folder in FONT_DIRS:
        if (folder / FONTS[name]).exists():
            return folder / FONTS[name]
    raise HandoutError(f"the font {FONTS[name]} is not installed.",
                       hint="Install the Noto fonts (Debian: apt-get install fonts-noto-core).")


class _Page(FPDF):
    def __init__(self, lang: str) -> None:
        super().__init__(format="A4")
        self.lang = lang
        self.set_auto_page_break(True, margin=15)
        self.set_margins(12, 12, 12)
        self.add_font("sans", fname=str(font_file("sans")))
        self.add_font("sans", style="B", fname=str(font_file("sans-bold")))
        if lang in RTL:
            self.add_font("arab", fname=str(font_file("arab")))
        self.set_fallback_fonts(["sans"])  # Latin names and digits inside Arabic script

    def german(self, size: float = 10, bold: bool = False) -> None:
        self.set_font("sans", style="B" if bold else "", size=size)
        self.set_text_shaping(True, direction="ltr")

    def other(self, size: float = 10, bold: bool = False) -> None:
        if self.lang in RTL:
            self.set_font("arab", size=size + 1)
            # no forced direction: the Unicode bidi algorithm orders Arabic words right to
            # left and keeps dates, times and German stop names left to right inside them
            self.set_text_shaping(True, script="arab", language=RTL[self.lang])
        else:
            self.german(size, bold)

    def pair(self, german: str, other: str, size: float = 10, bold: bool = False,
             h: float = 6) -> None:
        """German on the left half, the participant's language on the right half."""
        half = (self.w - self.l_margin - self.r_margin) / 2
        self.german(size, bold)
        self.cell(half, h, german)
        self.other(size, bold)
        self.cell(half, h, other, align="R" if self.lang in RTL else "L",
                  new_x="LMARGIN", new_y="NEXT")


def handout_pdf(plan: Plan, study: Study, place: str, site: str, lang: str,
                name: str | None = None) -> bytes:
    """The handout for people from ``place`` attending ``site`` (``name``: printed only)."""
    catalogue(lang)
    scenario = plan.inp.scenario
    pdf = _Page(lang)
    pdf.add_page()
    pdf.set_title(f"{scenario.name} – {place}")
    pdf.pair(_("Ihr Kursplan", "de"), _("Ihr Kursplan", lang), size=16, bold=True, h=9)
    pdf.german(12, bold=True)
    pdf.cell(0, 7, scenario.name, new_x="LMARGIN", new_y="NEXT")
    if name:
        pdf.pair(f"{_('Für', 'de')}: {name}", f"{_('Für', lang)}: {name}")
    address = next((s.address for s in scenario.sites if s.name == site), None)
    pdf.pair(f"{_('Kursort', 'de')}: {site}", f"{_('Kursort', lang)}: {site}")
    if address:
        pdf.german()
        pdf.cell(0, 6, address, new_x="LMARGIN", new_y="NEXT")
    pdf.pair(f"{_('Ihr Wohnort', 'de')}: {place}", f"{_('Ihr Wohnort', lang)}: {place}")
    pdf.ln(3)

    # the sessions
    pdf.pair(_("Kurstermine", "de"), _("Kurstermine", lang), size=12, bold=True, h=8)
    widths = (44, 52, 26, 30, 34)
    headers = (_("Datum", "de"), _("Datum", lang), _("Zeit", "de"),
               _("Lehrkraft", "de"), _("Lehrkraft", lang))
    for i, (w, text) in enumerate(zip(widths, headers, strict=True)):
        (pdf.other if i in (1, 4) else pdf.german)(9, bold=True)
        pdf.cell(w, 6, text, border="B")
    pdf.ln()
    for rec in plan.sessions.itertuples(index=False):
        here = rec.teacher_site == site
        values = (format_date(rec.date, "EEE, d. MMM y", locale="de"),
                  format_date(rec.date, "d MMMM y", locale=lang),
                  f"{clock(rec.start_s)}–{clock(rec.end_s)}",
                  _("vor Ort" if here else "online", "de"),
                  _("vor Ort" if here else "online", lang))
        for i, (w, text) in enumerate(zip(widths, values, strict=True)):
            (pdf.other if i in (1, 4) else pdf.german)(9, bold=here and i in (3, 4))
            pdf.cell(w, 5.5, text)
        pdf.ln()
    pdf.ln(3)

    # the connection, on the first date that has one both ways
    missing: list[dt.date] = []
    example = None
    for rec in plan.sessions.drop_duplicates("date").itertuples(index=False):
        there, back = journeys(study, place, site, rec.date, int(rec.start_s),
                               int(rec.end_s))
        if there is None or back is None:
            missing.append(rec.date)
        elif example is None:
            example = (rec.date, there, back)
    if example is None:
        pdf.pair(_("Keine Verbindung mit Bus und Bahn.", "de"),
                 _("Keine Verbindung mit Bus und Bahn.", lang), bold=True)
        _note(pdf, lang)
    else:
        day, there, back = example
        pdf.pair(f"{_('Verbindung am', 'de')} {format_date(day, 'medium', locale='de')}",
                 f"{_('Verbindung am', lang)} {format_date(day, 'd MMMM y', locale=lang)}",
                 size=12, bold=True, h=8)
        for title, journey in (("Hinweg", there), ("Rückweg", back)):
            pdf.pair(_(title, "de"), _(title, lang), bold=True)
            _journey_table(pdf, journey, lang)
            pdf.ln(2)
        pdf.pair(_("An anderen Tagen kann die Verbindung abweichen.", "de"),
                 _("An anderen Tagen kann die Verbindung abweichen.", lang), size=8)
    if missing and example is not None:
        pdf.ln(2)
        pdf.pair(_("An diesen Tagen gibt es keine passende Verbindung:", "de"),
                 _("An diesen Tagen gibt es keine passende Verbindung:", lang), bold=True)
        pdf.german(9)
        pdf.multi_cell(0, 5, ", ".join(format_date(d, "EEE d.M.", locale="de")
                                       for d in missing), new_x="LMARGIN", new_y="NEXT")
        _note(pdf, lang)
    pdf.ln(3)
    pdf.german(7)
    source = "Fahrplandaten: " + ("Rekonstruktion aus NWL-Daten 2019 (CC BY), kein amtlicher "
                                  "Fahrplan" if "reconstructed" in str(scenario.feed) else
                                  Path(scenario.feed).name) + ". Angaben ohne Gewähr."
    pdf.multi_cell(0, 4, source, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _note(pdf: _Page, lang: str) -> None:
    """What to do without a connection, in both languages (may wrap)."""
    note = "Bitte nehmen Sie dann online teil oder rufen Sie den Rufbus (AST)."
    pdf.german(9)
    pdf.multi_cell(0, 5, _(note, "de"), new_x="LMARGIN", new_y="NEXT")
    pdf.other(9)
    pdf.multi_cell(0, 5, _(note, lang), align="R" if lang in RTL else "L",
                   new_x="LMARGIN", new_y="NEXT")


def _journey_table(pdf: _Page, journey, lang: str) -> None:
    widths = (30, 44, 22, 44, 22, 24)
    heads = ("", "von", "ab", "nach", "an", "Linie")
    for w, head in zip(widths, heads, strict=True):
        pdf.german(8, bold=True)
        pdf.cell(w, 4.5, head)
    pdf.ln()
    for w, head in zip(widths, heads, strict=True):
        pdf.other(8)
        pdf.cell(w, 4.5, _(head, lang) if head else "", border="B")
    pdf.ln()
    for leg in journey.legs:
        mode = "zu Fuß" if leg.mode is Mode.WALK else "Bus/Bahn"
        values = (f"{_(mode, 'de')}", leg.from_name, clock(leg.depart), leg.to_name,
                  clock(leg.arrive, up=True),
                  f"{leg.route} ({leg.headsign})" if leg.route else "")
        for w, text in zip(widths, values, strict=True):
            pdf.german(8)
            pdf.cell(w, 5, text)
        pdf.ln()
        if lang != "de":
            pdf.other(7)
            pdf.cell(widths[0], 4, _(mode, lang), new_x="LMARGIN", new_y="NEXT")
