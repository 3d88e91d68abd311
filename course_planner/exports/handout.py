"""The participant handout: printable A4 PDF, German and the participant's language side by
side — when to leave home, which bus from which stop, when back home (large type, icons), the
connection for every course date (dates grouped by identical connection), the course dates
with the teacher's presence, what to do where no bus runs, and whom to call.

Texts come from the gettext catalogues in ``locales/`` (read with babel; our own translations,
still to be reviewed by native speakers), dates are written per language with babel, and fpdf2
shapes the text with HarfBuzz (Arabic and Farsi joined, right to left). Text wraps in table
cells and boxes measured before printing, so nothing overlaps; a handout that does not fit
one page repeats title, column headers and the page number on every page. Fonts: Noto Sans
and Noto Naskh Arabic (SIL OFL 1.1) from the system (Debian: ``fonts-noto-core``), each the
other's fallback, so a participant name prints in its own script in both halves.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import segno
from babel.dates import format_date
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align
from fpdf.fonts import FontFace

from course_planner import catalogues
from course_planner.calendar import school_holiday_dates
from course_planner.clock import clock
from course_planner.errors import HandoutError, msg
from course_planner.exports.schedule import (
    ConnectionGroup,
    booking_line,
    course_sessions,
    day_connections,
    grouped,
    is_walk,
    line_name,
)
from course_planner.scenario import Contact, Scenario
from course_planner.transit.journey import Journey, Leg
from course_planner.transit.provenance import FeedSource, feed_source

if TYPE_CHECKING:  # type names only: a handout worker does not load the engine
    from course_planner.rotation.plan import Plan
    from course_planner.transit.reachability import Study

LANGUAGES = ("en", "ar", "uk", "fa", "tr")
RTL = {"ar": "ara", "fa": "fas"}
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/noto"),
    Path("/usr/local/share/fonts/noto"),
)
FONTS = {
    "sans": "NotoSans-Regular.ttf",
    "sans-bold": "NotoSans-Bold.ttf",
    "arab": "NotoNaskhArabic-Regular.ttf",
    "arab-bold": "NotoNaskhArabic-Bold.ttf",
    "sym": "NotoSansSymbols2-Regular.ttf",
}
INK, GREY, LIGHT = (0, 0, 0), (90, 90, 90), (235, 235, 235)


def catalogue(lang: str) -> dict[str, str]:
    texts = catalogues.catalogue("handout", lang)
    if texts is None:
        raise HandoutError(
            msg("no handout texts for the language '{lang}'.", lang=lang),
            hint=msg("Available: {languages}.", languages=", ".join(LANGUAGES)),
        )
    return texts


def _(text: str, lang: str) -> str:
    return text if lang == "de" else catalogue(lang).get(text, text)


def font_file(name: str) -> Path:
    for folder in FONT_DIRS:
        if (folder / FONTS[name]).exists():
            return folder / FONTS[name]
    raise HandoutError(
        msg("the font {font} is not installed.", font=FONTS[name]),
        hint=msg("Install the Noto fonts (Debian: apt-get install fonts-noto-core)."),
    )


@cache
def _printable() -> frozenset[int]:
    chars: set[int] = set()
    for name in ("sans", "arab", "sym"):
        with TTFont(str(font_file(name)), lazy=True) as font:
            chars |= set(font.getBestCmap())
    return frozenset(chars)


@cache
def _latin() -> frozenset[int]:
    """The characters Noto Sans has (Latin, Greek, Cyrillic, …)."""
    with TTFont(str(font_file("sans")), lazy=True) as font:
        return frozenset(font.getBestCmap())


def unprintable(name: str) -> str:
    """The characters of ``name`` that no handout font has ('' if it prints)."""
    return "".join(sorted({c for c in name if not c.isspace() and ord(c) not in _printable()}))


def needs_shaping(text: str) -> bool:
    """Text in a script that HarfBuzz must shape (Arabic, Hebrew, Indic, …): anything beyond
    Latin, Greek and Cyrillic, punctuation and symbols excepted."""
    return any(0x0590 <= ord(c) <= 0x1FFF or 0xFB1D <= ord(c) <= 0xFEFF for c in text)


def _fmt_date(day: dt.date, lang: str, pattern: str = "EEE d. MMM y") -> str:
    return format_date(day, pattern if lang == "de" else "EEE d MMM y", locale=lang)


def _dates_label(dates: tuple[dt.date, ...], all_dates: list[dt.date], lang: str) -> str:
    """'Montags und mittwochs' where the group holds every course date of those weekdays,
    else the dates themselves."""
    weekdays = sorted({d.weekday() for d in dates})
    every = [d for d in all_dates if d.weekday() in weekdays]
    if len(dates) > 1 and list(dates) == every:
        names = [
            format_date(next(d for d in dates if d.weekday() == w), "EEEE", locale=lang)
            for w in weekdays
        ]
        joined = (
            ", ".join(names[:-1]) + f" {_('und', lang)} " + names[-1]
            if len(names) > 1
            else names[0]
        )
        return f"{_('Jeden', lang)}: {joined}"
    return ", ".join(
        format_date(d, "d.M." if lang == "de" else "d MMM", locale=lang) for d in dates
    )


class _Page(FPDF):
    contact: Contact  # set by handout_pdf for the contact box

    def __init__(
        self,
        lang: str,
        title: tuple[str, str],
        footer: str,
        arabic: bool = False,
        symbols: bool = True,
    ) -> None:
        super().__init__(format="A4")
        self.lang = lang
        self.title_pair = title
        self.footer_text = footer
        self.set_auto_page_break(True, margin=16)
        self.set_margins(12, 24, 12)
        self.add_font("sans", fname=str(font_file("sans")))
        self.add_font("sans", style="B", fname=str(font_file("sans-bold")))
        # the Arabic-script fonts only where a text needs them: each font costs time to read
        # and to embed
        fallbacks = ["sans"]
        if arabic or lang in RTL:
            self.add_font("arab", fname=str(font_file("arab")))
            self.add_font("arab", style="B", fname=str(font_file("arab-bold")))
            fallbacks.append("arab")
        if symbols:
            self.add_font("sym", fname=str(font_file("sym")))
            fallbacks.append("sym")
        self.set_fallback_fonts(fallbacks, exact_match=False)
        self._shaping: bool | None = None
        self.shape(lang in RTL)
        self.alias_nb_pages()
        self.half = (self.w - self.l_margin - self.r_margin) / 2

    def dated(self, scenario: Scenario) -> None:
        """The file's creation date: the term's first day, not the clock, so the same inputs
        give the same bytes."""
        start = scenario.course.start_date
        self.set_creation_date(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC))

    def shape(self, on: bool) -> None:
        """HarfBuzz shaping, needed for Arabic script only: on for Arabic and Farsi handouts
        and for text in a script that needs it; off otherwise (it is the slow part)."""
        on = on or self.lang in RTL
        if on != self._shaping:
            self.set_text_shaping(on)
            self._shaping = on

    # fonts: German in Noto Sans, the other language in its own script; each falls back
    def german(self, size: float = 10, bold: bool = False) -> None:
        self.set_font("sans", style="B" if bold else "", size=size)

    def other(self, size: float = 10, bold: bool = False) -> None:
        if self.lang in RTL:
            self.set_font("arab", style="B" if bold else "", size=size + 1)
        else:
            self.german(size, bold)

    @property
    def other_family(self) -> str:
        return "arab" if self.lang in RTL else "sans"

    @property
    def other_align(self) -> str:
        return "R" if self.lang in RTL else "L"

    def header(self) -> None:
        self.set_y(8)
        self.set_text_color(*GREY)
        self.german(9, bold=True)
        y = self.get_y()
        self.multi_cell(
            self.half - 2, 4.5, self.title_pair[0], align="L", new_x="RIGHT", new_y="TOP"
        )
        self.other(9, bold=True)
        self.set_xy(self.l_margin + self.half, y)
        self.multi_cell(
            self.half, 4.5, self.title_pair[1], align="R", new_x="LMARGIN", new_y="NEXT"
        )
        self.set_draw_color(*GREY)
        self.line(self.l_margin, 19, self.w - self.r_margin, 19)
        self.set_text_color(*INK)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-12)
        self.german(8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text} {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(*INK)

    def pair(
        self,
        german: str,
        other: str,
        size: float = 10,
        bold: bool = False,
        h: float | None = None,
        fill: bool = False,
        width: float | None = None,
    ) -> None:
        """German on the left half, the participant's language on the right; both wrap, and
        the next line starts below the taller half (never on top of it)."""
        h = h or size * (0.6 if self.lang in RTL else 0.5)  # Naskh sets taller lines
        half = self.half
        if width is not None:
            self.half = width / 2
        try:
            self.shape(needs_shaping(german) or needs_shaping(other))
            self._pair(german, other, size, bold, h, fill)
        finally:
            self.half = half
            self.shape(False)

    def _pair(self, german: str, other: str, size: float, bold: bool, h: float, fill: bool) -> None:
        self.german(size, bold)
        left = self._height(h, german, "L")
        self.other(size, bold)
        right = self._height(h, other, self.other_align)
        height = max(left, right)
        if self.will_page_break(height):
            self.add_page()
        y = self.get_y()
        if fill:
            self.set_fill_color(*LIGHT)
            self.rect(self.l_margin, y, self.w - self.l_margin - self.r_margin, height, style="F")
        self.german(size, bold)
        self.set_xy(self.l_margin, y)
        self.multi_cell(self.half - 2, h, german, align="L")
        self.other(size, bold)
        self.set_xy(self.l_margin + self.half + 2, y)
        self.multi_cell(self.half - 2, h, other, align=self.other_align)
        self.set_xy(self.l_margin, y + height)

    def _height(self, h: float, text: str, align: Align | str) -> float:
        """The height ``text`` takes in a half-width column: one line where it clearly fits
        (no line break, a margin for shaping), else fpdf2's dry run (HEIGHT)."""
        if "\n" not in text and self.get_string_width(text) < 0.9 * (
            self.half - 2 - 2 * self.c_margin
        ):
            return h
        height = self.multi_cell(self.half - 2, h, text, dry_run=True, output="HEIGHT", align=align)
        if not isinstance(height, (int, float)):  # the HEIGHT output mode gives a number
            raise TypeError(f"fpdf2 multi_cell(output='HEIGHT') gave {type(height)}")
        return height

    def heading(self, key: str, size: float = 12, keep: float = 30) -> None:
        """A section title, kept on one page with the first ``keep`` mm of its section."""
        if self.will_page_break(keep + 10):
            self.add_page()
        self.ln(2)
        self.pair(_(key, "de"), _(key, self.lang), size=size, bold=True)
        self.set_draw_color(*INK)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def translated(self, key: str, size: float = 10, bold: bool = False, **fmt: str) -> None:
        self.pair(_(key, "de").format(**fmt), _(key, self.lang).format(**fmt), size, bold)


# ------------------------------------------------------------------ icons (vector, no font)


def _icon(pdf: _Page, kind: str, x: float, y: float, s: float = 6) -> None:
    """A simple black-and-white pictogram in an ``s`` mm square at (x, y)."""
    pdf.set_draw_color(*INK)
    pdf.set_fill_color(*INK)
    pdf.set_line_width(0.35)
    if kind == "walk":  # a walking person
        pdf.circle(x + s * 0.5, y + s * 0.14, s * 0.12, style="F")
        pdf.line(x + s * 0.5, y + s * 0.28, x + s * 0.45, y + s * 0.65)
        pdf.line(x + s * 0.45, y + s * 0.65, x + s * 0.25, y + s * 0.95)
        pdf.line(x + s * 0.45, y + s * 0.65, x + s * 0.7, y + s * 0.95)
        pdf.line(x + s * 0.48, y + s * 0.38, x + s * 0.25, y + s * 0.55)
        pdf.line(x + s * 0.48, y + s * 0.38, x + s * 0.72, y + s * 0.5)
    elif kind in ("bus", "train"):
        pdf.rect(
            x + s * 0.1,
            y + s * 0.1,
            s * 0.8,
            s * 0.68,
            style="D",
            round_corners=True,
            corner_radius=s * 0.12,
        )
        pdf.set_fill_color(255, 255, 255)
        if kind == "bus":
            pdf.rect(x + s * 0.18, y + s * 0.2, s * 0.64, s * 0.28, style="D")
            pdf.set_fill_color(*INK)
            pdf.circle(x + s * 0.3, y + s * 0.85, s * 0.09, style="F")
            pdf.circle(x + s * 0.7, y + s * 0.85, s * 0.09, style="F")
        else:
            pdf.rect(x + s * 0.2, y + s * 0.2, s * 0.25, s * 0.25, style="D")
            pdf.rect(x + s * 0.55, y + s * 0.2, s * 0.25, s * 0.25, style="D")
            pdf.line(x + s * 0.05, y + s * 0.97, x + s * 0.95, y + s * 0.97)
            pdf.line(x + s * 0.3, y + s * 0.78, x + s * 0.2, y + s * 0.97)
            pdf.line(x + s * 0.7, y + s * 0.78, x + s * 0.8, y + s * 0.97)
    elif kind == "teacher":  # a person in front of a board
        pdf.rect(x + s * 0.35, y + s * 0.05, s * 0.6, s * 0.42, style="D")
        pdf.circle(x + s * 0.22, y + s * 0.35, s * 0.12, style="F")
        pdf.rect(x + s * 0.1, y + s * 0.5, s * 0.24, s * 0.45, style="F")
        pdf.line(x + s * 0.3, y + s * 0.55, x + s * 0.45, y + s * 0.35)
    elif kind == "screen":  # a screen: teacher by video
        pdf.rect(x + s * 0.1, y + s * 0.15, s * 0.8, s * 0.52, style="D")
        pdf.line(x + s * 0.5, y + s * 0.67, x + s * 0.5, y + s * 0.82)
        pdf.line(x + s * 0.3, y + s * 0.85, x + s * 0.7, y + s * 0.85)
    elif kind == "home":
        pdf.polygon(
            [(x + s * 0.1, y + s * 0.45), (x + s * 0.5, y + s * 0.08), (x + s * 0.9, y + s * 0.45)],
            style="D",
        )
        pdf.rect(x + s * 0.2, y + s * 0.45, s * 0.6, s * 0.48, style="D")
    pdf.set_line_width(0.2)


def _mode(journey_leg: Leg) -> str:
    if is_walk(journey_leg):
        return "walk"
    route = (journey_leg.route or "").upper()
    return (
        "train"
        if route.startswith(("RE", "RB", "S", "IC", "ICE")) and any(c.isdigit() for c in route)
        else "bus"
    )


# ------------------------------------------------------------------ the handout


def _essentials(pdf: _Page, group: ConnectionGroup, label: tuple[str, str]) -> None:
    """The four things to know, in large type: leave home, line and stop, back home."""
    there, back = group.there, group.back
    first_ride = next((leg for leg in there.legs if not is_walk(leg)), there.legs[0])
    pdf.pair(label[0], label[1], size=11, bold=True)
    line = line_name(first_ride) if not is_walk(first_ride) else _("zu Fuß", "de")
    rows = [
        (
            ("home", "Von zu Hause losgehen um", clock(there.depart)),
            ("home", "Wieder zu Hause um", clock(back.arrive, up=True)),
        ),
        ((_mode(first_ride), "Linie", line), ("walk", "Haltestelle", first_ride.from_name)),
    ]
    for row in rows:
        if pdf.will_page_break(16):
            pdf.add_page()
        y, bottom = pdf.get_y(), pdf.get_y() + 12
        for k, (icon, key, value) in enumerate(row):
            x = pdf.l_margin + k * pdf.half
            _icon(pdf, icon, x, y + 1, 8)
            width = pdf.half - 12
            pdf.set_xy(x + 10, y)
            pdf.german(8)
            pdf.multi_cell(width, 3.8, _(key, "de"), new_x="LEFT", new_y="NEXT")
            if pdf.lang != "de":
                pdf.other(8)
                pdf.multi_cell(
                    width,
                    4.6 if pdf.lang in RTL else 3.8,
                    _(key, pdf.lang),
                    new_x="LEFT",
                    new_y="NEXT",
                )
            pdf.german(15, bold=True)
            pdf.shape(needs_shaping(value))
            pdf.multi_cell(width, 7, value, new_x="LEFT", new_y="NEXT")
            pdf.shape(False)
            bottom = max(bottom, pdf.get_y())
        pdf.set_xy(pdf.l_margin, bottom + 1)


def _bookings(pdf: _Page, group: ConnectionGroup) -> None:
    """The rides of this connection that run only when booked: by when and where, in
    large type, both languages (the group's dates share the ride times, so one line each)."""
    phone = pdf_contact(pdf).booking_phone
    pairs: dict[tuple[str, str], None] = {}
    for journey in (group.there, group.back):
        for notice in journey.bookings:
            if notice.phone:
                notice = replace(notice, phone=_unbroken(notice.phone))
            number = _unbroken(phone) if phone else None
            pairs[
                (
                    booking_line(notice, group.dates, "de", number),
                    booking_line(notice, group.dates, pdf.lang, number),
                )
            ] = None
    if not pairs:
        return
    pdf.ln(1)
    pdf.translated("Diese Fahrt fährt nur, wenn Sie sie vorher buchen:", size=11, bold=True)
    for german, other in pairs:
        pdf.pair(german, other, size=12, bold=True, fill=True)
    pdf.ln(1)


def _journey_table(pdf: _Page, journey: Journey, heading: str) -> None:
    lang = pdf.lang
    pdf.pair(_(heading, "de"), _(heading, lang), size=10, bold=True)
    head_de = FontFace(family="sans", emphasis="B", size_pt=8, fill_color=LIGHT)
    pdf.german(9)
    pdf.shape(
        any(
            needs_shaping(f"{leg.from_name} {leg.to_name} {leg.headsign or ''}")
            for leg in journey.legs
        )
    )
    with pdf.table(
        col_widths=(52, 24, 52, 24, 34),
        text_align="LEFT",
        line_height=4.4,
        first_row_as_headings=True,
        headings_style=head_de,
        repeat_headings=1,
        borders_layout="SINGLE_TOP_LINE",
    ) as table:
        head = table.row()
        for key in ("von", "ab", "nach", "an", "Linie"):
            head.cell(
                f"{key}\n{_(key, lang)}" if lang != "de" else key,
                style=FontFace(family=pdf.other_family, emphasis="B"),
            )
        pdf.german(9)
        for leg in journey.legs:
            row = table.row()
            row.cell(leg.from_name)
            row.cell(clock(leg.depart), style=FontFace(emphasis="B"))
            row.cell(leg.to_name)
            row.cell(clock(leg.arrive, up=True), style=FontFace(emphasis="B"))
            line = _("zu Fuß", "de") if is_walk(leg) else line_name(leg)
            if leg.mode.must_book:
                line += f"\n({_('nur mit Buchung', 'de')})"
            row.cell(line)
    pdf.shape(False)


@dataclass(frozen=True)
class HandoutContent:
    """What one village's handout says, before layout: shared by all its participants and
    languages, and small enough to send to a worker process."""

    scenario: Scenario
    place: str
    site: str | None
    sessions: pd.DataFrame
    groups: tuple[ConnectionGroup, ...]
    missing: tuple[dt.date, ...]
    school_holidays: frozenset[dt.date] = frozenset()  # course dates in school holidays


def handout_content(
    plan: Plan | None, study: Study, place: str, site: str | None
) -> HandoutContent:
    """The sessions and the grouped connections of ``place`` to ``site`` (None: no room)."""
    scenario = study.scenario
    sessions = course_sessions(plan, scenario)
    groups: list[ConnectionGroup] = []
    missing: list[dt.date] = []
    if site is not None:
        groups, missing = grouped(day_connections(study, sessions, place, site))
    holidays = school_holiday_dates(scenario.course, sorted(set(sessions["date"])))
    return HandoutContent(
        scenario, place, site, sessions, tuple(groups), tuple(missing), frozenset(holidays)
    )


def handout_pdf(
    plan: Plan | None,
    study: Study,
    place: str,
    site: str | None,
    lang: str,
    name: str | None = None,
) -> bytes:
    """The handout for people from ``place`` attending ``site`` (``name``: printed only).

    ``plan`` None (a scenario without a teacher): the course dates without presence marks.
    ``site`` None: the place reaches no room; the handout says what to do instead."""
    catalogue(lang)
    return render_handout(handout_content(plan, study, place, site), lang, name)


def render_handout(content: HandoutContent, lang: str, name: str | None = None) -> bytes:
    """The handout PDF of ``content`` in German and ``lang``, for ``name`` (printed only)."""
    scenario, place, site = content.scenario, content.place, content.site
    sessions, groups, missing = content.sessions, list(content.groups), list(content.missing)
    all_dates = sorted(set(sessions["date"]))
    footer = f"{scenario.name} · {place} · {_('Seite', 'de')}/{_('Seite', lang)}"
    texts = _texts(scenario, place, name, groups)
    pdf = _Page(
        lang,
        (
            _("Ihr Kursplan", "de") + f" – {scenario.name}",
            _("Ihr Kursplan", lang) + f" – {scenario.name}",
        ),
        footer,
        arabic=any(needs_shaping(t) for t in texts),
        symbols=any(ord(c) not in _latin() for t in texts for c in t if not c.isspace()),
    )
    pdf.set_title(f"{scenario.name} – {place}")
    pdf.dated(scenario)
    pdf.contact = scenario.contact
    pdf.add_page()
    if name:
        pdf.pair(f"{_('Für', 'de')}: {name}", f"{_('Für', lang)}: {name}", size=14, bold=True)
    pdf.pair(f"{_('Ihr Wohnort', 'de')}: {place}", f"{_('Ihr Wohnort', lang)}: {place}", 11)
    if site is None:
        pdf.ln(2)
        pdf.translated(
            "Von Ihrem Wohnort erreicht man keinen Kursraum mit Bus und Bahn.", size=13, bold=True
        )
        pdf.heading("Ohne Verbindung")
        _instead(pdf)
    else:
        address = next((s.address for s in scenario.sites if s.name == site), None)
        where = f"{site}, {address}" if address else site
        pdf.pair(f"{_('Kursort', 'de')}: {where}", f"{_('Kursort', lang)}: {where}", 11, bold=True)
    for i, group in enumerate(groups):
        label = (
            _dates_label(group.dates, all_dates, "de"),
            _dates_label(group.dates, all_dates, lang),
        )
        if set(group.dates) <= content.school_holidays:  # buses on their holiday timetable
            label = (
                f"{label[0]} ({_('Ferienfahrplan', 'de')})",
                f"{label[1]} ({_('Ferienfahrplan', lang)})",
            )
        pdf.heading("So kommen Sie hin und zurück" if i == 0 else "An anderen Tagen")
        _essentials(pdf, group, label)
        _bookings(pdf, group)
        _journey_table(pdf, group.there, "Hinweg")
        pdf.ln(1)
        _journey_table(pdf, group.back, "Rückweg")
    if missing:
        pdf.heading("Ohne Verbindung")
        pdf.translated("An diesen Tagen gibt es keine passende Verbindung:", bold=True)
        pdf.pair(
            ", ".join(format_date(d, "EEE d.M.", locale="de") for d in missing),
            ", ".join(format_date(d, "EEE d MMM", locale=lang) for d in missing),
            9,
        )
        _instead(pdf)
    _dates_table(pdf, sessions, site)
    _contact(pdf)
    pdf.ln(2)
    _source_note(pdf, feed_source(scenario.feed))
    pdf.translated("Übersetzung: noch nicht von Muttersprachlern geprüft.", size=6)
    return bytes(pdf.output())


def _source_note(pdf: _Page, source: FeedSource) -> None:
    """Where the timetable comes from; plainly "not an official timetable" where the feed
    says it is a reconstruction or an example."""
    key, values = source.handout_text
    pdf.translated(key, 7, False, **values)


def _texts(
    scenario: Scenario, place: str, name: str | None, groups: list[ConnectionGroup]
) -> list[str]:
    """Every text from outside the catalogues that a handout may print."""
    texts = [place, name or "", scenario.name, *(s.name for s in scenario.sites)]
    texts += [s.address or "" for s in scenario.sites]
    texts += [str(v or "") for v in scenario.contact.model_dump().values()]
    for group in groups:
        for leg in (*group.there.legs, *group.back.legs):
            texts += [leg.from_name, leg.to_name, leg.route or "", leg.headsign or ""]
            if leg.booking is not None:
                texts += [leg.booking.service, leg.booking.phone or ""]
    return texts


def _instead(pdf: _Page) -> None:
    """What to do without a connection, in both languages."""
    contact = pdf_contact(pdf)
    pdf.translated("Bitte nehmen Sie dann online teil.", bold=True)
    if contact.booking_phone:
        pdf.translated(
            "Oder bestellen Sie den Rufbus (AST): Telefon {phone}",
            phone=_unbroken(contact.booking_phone),
        )
    else:
        pdf.translated("Oder fragen Sie nach einem Rufbus (AST) in Ihrem Ort.")


def _unbroken(phone: str) -> str:
    """A phone number that never wraps inside (no-break spaces)."""
    return phone.replace(" ", "\u00a0")


def pdf_contact(pdf: _Page) -> Contact:
    return pdf.contact


def _dates_table(pdf: _Page, sessions: pd.DataFrame, site: str | None) -> None:
    """The course dates as a compact grid (four dates a row, in date order): German date
    above the participant's, a filled circle and a shaded, bold cell on the days the teacher
    is in the room, a hollow circle on video days. The session times are printed once when
    every day has the same, else in each cell. On a new page the grid's title repeats."""
    lang = pdf.lang
    pdf.heading("Kurstermine", keep=24)
    # presence marks only for a participant with a room (without one, every date is online)
    has_teacher = site is not None and bool((sessions["teacher_site"] != "").any())
    by_day: dict[dt.date, list[tuple[int, int, str]]] = {}
    for day, start_s, end_s, teacher in zip(
        sessions["date"],
        sessions["start_s"],
        sessions["end_s"],
        sessions["teacher_site"],
        strict=True,
    ):
        by_day.setdefault(day, []).append((int(start_s), int(end_s), teacher))
    days = [
        (
            day,
            " · ".join(f"{clock(a)}–{clock(b)}" for a, b, _t in sorted(rows)),
            site is not None and any(t == site for _a, _b, t in rows),
        )
        for day, rows in sorted(by_day.items())
    ]
    same_times = len({t for _, t, _ in days}) == 1
    if days and same_times:
        ranges = sorted({(a, b) for rows in by_day.values() for a, b, _t in rows})

        def always(lang: str) -> str:
            # each time on its own ("08:30 bis 12:00"): a range "08:30–12:00" would turn
            # around inside right-to-left text
            spans = [
                _("{start} bis {end} Uhr", lang).format(start=clock(a), end=clock(b))
                for a, b in ranges
            ]
            return f"{_('Immer', lang)}: " + f" {_('und', lang)} ".join(spans)

        pdf.pair(always("de"), always(lang), size=10, bold=True)
    per_row = 4
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / per_row
    lines = 1 + (lang != "de") + (not same_times)
    height = 4.4 * lines + (1.2 if lang in RTL else 0) + 1.6
    for start in range(0, len(days), per_row):
        if pdf.will_page_break(height):
            pdf.add_page()
            pdf.heading("Kurstermine", keep=height)
        y = pdf.get_y()
        for k, (day, times, here) in enumerate(days[start : start + per_row]):
            x = pdf.l_margin + k * width
            if here:
                pdf.set_fill_color(*LIGHT)
                pdf.rect(x + 0.5, y + 0.3, width - 1, height - 0.6, style="F")
            if has_teacher:
                pdf.set_draw_color(*INK)
                pdf.set_fill_color(*INK)
                pdf.ellipse(x + 1.5, y + 1.4, 2.6, 2.6, style="DF" if here else "D")
            text_x, text_w = x + 5, width - 6
            pdf.german(9.5, bold=here)
            pdf.set_xy(text_x, y + 0.6)
            pdf.cell(text_w, 4.4, _fmt_date(day, "de", "EEE d.M.yy"))
            if lang != "de":
                pdf.other(9, bold=here)
                pdf.shape(lang in RTL)
                pdf.set_xy(text_x, y + 0.6 + 4.4)
                pdf.cell(
                    text_w,
                    4.4 + (1.2 if lang in RTL else 0),
                    _fmt_date(day, lang, "EEE d MMM"),
                    align=pdf.other_align,
                )
                pdf.shape(False)
            if not same_times:
                pdf.german(8)
                pdf.set_xy(text_x, y + 0.6 + 4.4 * (lines - 1) + (1.2 if lang in RTL else 0))
                pdf.cell(text_w, 4.4, times)
        pdf.set_draw_color(*LIGHT)
        pdf.line(pdf.l_margin, y + height, pdf.w - pdf.r_margin, y + height)
        pdf.set_xy(pdf.l_margin, y + height)
    pdf.ln(1)
    if has_teacher:
        for filled, key in (
            (True, "Lehrkraft vor Ort im Kursraum"),
            (False, "Lehrkraft per Video – Sie kommen trotzdem in den Kursraum."),
        ):
            y = pdf.get_y()
            pdf.set_draw_color(*INK)
            pdf.set_fill_color(*INK)
            pdf.ellipse(pdf.l_margin + 1.5, y + 0.8, 2.6, 2.6, style="DF" if filled else "D")
            left = pdf.l_margin
            pdf.set_left_margin(left + 5)
            try:
                pdf.pair(_(key, "de"), _(key, lang), size=8, width=pdf.w - pdf.r_margin - left - 5)
            finally:
                pdf.set_left_margin(left)


def _contact(pdf: _Page) -> None:
    contact = pdf_contact(pdf)
    lines = []
    if contact.organiser:
        lines.append(("Veranstalter", contact.organiser))
    if contact.organiser_phone:
        lines.append(("Telefon", _unbroken(contact.organiser_phone)))
    if contact.organiser_email:
        lines.append(("E-Mail", contact.organiser_email))
    if contact.booking_phone:
        lines.append(("Rufbus (AST)", _unbroken(contact.booking_phone)))
    if contact.online_link:
        lines.append(("Online teilnehmen", contact.online_link))
    if not lines:
        return
    pdf.heading("Kontakt")
    qr_data = contact.online_link or (
        f"tel:{contact.organiser_phone}"
        if contact.organiser_phone
        else f"mailto:{contact.organiser_email}"
        if contact.organiser_email
        else None
    )
    size = 28
    if qr_data and pdf.will_page_break(size + 2):
        pdf.add_page()
    top = pdf.get_y()
    width = pdf.w - pdf.l_margin - pdf.r_margin - (size + 4 if qr_data else 0)
    for key, value in lines:
        pdf.pair(f"{_(key, 'de')}: {value}", f"{_(key, pdf.lang)}: {value}", 9.5, width=width)
    if qr_data:
        buffer = io.BytesIO()
        segno.make(qr_data, error="m").save(buffer, kind="png", scale=6, border=1)
        pdf.image(buffer, x=pdf.w - pdf.r_margin - size, y=top, w=size, h=size)
        pdf.set_y(max(pdf.get_y(), top + size + 1))


def room_poster_pdf(plan: Plan | None, scenario: Scenario, site: str) -> bytes:
    """A poster for the room's door (German): the course dates and times, the days the
    teacher is in the room, and the room's address."""
    sessions = course_sessions(plan, scenario)
    address = next((s.address for s in scenario.sites if s.name == site), None)
    pdf = _Page(
        "de",
        (f"{_('Kurs im Raum', 'de')} {site}", scenario.name),
        f"{scenario.name} · {site} · {_('Seite', 'de')}",
    )
    pdf.set_title(f"{scenario.name} – {site}")
    pdf.dated(scenario)
    pdf.contact = scenario.contact
    pdf.add_page()
    pdf.german(24, bold=True)
    pdf.multi_cell(0, 11, f"{_('Kurs im Raum', 'de')} {site}", new_x="LMARGIN", new_y="NEXT")
    if address:
        pdf.german(14)
        pdf.multi_cell(0, 7, address, new_x="LMARGIN", new_y="NEXT")
    has_teacher = plan is not None
    if has_teacher:
        y = pdf.get_y() + 2
        _icon(pdf, "teacher", pdf.l_margin, y, 9)
        pdf.set_xy(pdf.l_margin + 11, y + 1)
        pdf.german(12, bold=True)
        present = int((sessions["teacher_site"] == site).sum())
        pdf.multi_cell(
            0,
            6,
            f"{_('Lehrkraft vor Ort', 'de')}: {present} von {len(sessions)} Terminen (●)",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_y(max(pdf.get_y(), y + 10))
    pdf.ln(2)
    head = FontFace(family="sans", emphasis="B", size_pt=11, fill_color=LIGHT)
    pdf.german(12)
    widths = (70, 40, 76) if has_teacher else (90, 96)
    with pdf.table(
        col_widths=widths,
        line_height=6,
        text_align="LEFT",
        headings_style=head,
        repeat_headings=1,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        row = table.row()
        for key in ("Datum", "Zeit", "Lehrkraft")[: len(widths)]:
            row.cell(_(key, "de"))
        for rec in sessions.itertuples(index=False):
            here = has_teacher and rec.teacher_site == site
            bold = FontFace(emphasis="B" if here else "")
            row = table.row()
            row.cell(_fmt_date(rec.date, "de"), style=bold)
            row.cell(f"{clock(rec.start_s)}–{clock(rec.end_s)}", style=bold)
            if has_teacher:
                row.cell(
                    ("● " + _("Lehrkraft vor Ort", "de"))
                    if here
                    else ("○ " + _("Lehrkraft per Video", "de")),
                    style=bold,
                )
    _contact(pdf)
    return bytes(pdf.output())


# ------------------------------------------------------------------ many handouts at once

PARALLEL_FROM = 8  # fewer handouts are rendered in this process: a worker costs a second


class HandoutPress:
    """Renders many handouts on every core, results in the order asked (so the files are the
    same whatever the number of processes). ``workers``: processes in all, this one included
    (default: every core). The others come from a fork server with this module preloaded
    (safe in the multi-threaded app, unlike a plain fork). This process renders from the end
    of the list while the workers start and take chunks from the front, so no core waits."""

    CHUNK = 2  # handouts per chunk: small, so everyone ends together

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> HandoutPress:
        if self.workers > 1:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._pool = ProcessPoolExecutor(self.workers - 1, mp_context=context)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def render(self, jobs: Sequence[tuple[HandoutContent, str, str | None]]) -> list[bytes]:
        """The handout of every (content, language, name), in order."""
        for lang in sorted({lang for _c, lang, _n in jobs}):
            catalogue(lang)  # an unknown language fails here, before any work
        if self._pool is None or len(jobs) < PARALLEL_FROM:
            return [render_handout(*job) for job in jobs]
        chunks = [list(jobs[i : i + self.CHUNK]) for i in range(0, len(jobs), self.CHUNK)]
        done: dict[int, list[bytes] | Future[list[bytes]]] = {}
        ends = [0, len(chunks) - 1]  # the next chunk from the front, and from the back
        lock = threading.Lock()
        pool = self._pool
        stopped: list[BrokenProcessPool] = []

        def claim(front: bool) -> int | None:
            with lock:
                if ends[0] > ends[1]:
                    return None
                i = ends[0] if front else ends[1]
                ends[0 if front else 1] += 1 if front else -1
                return i

        def feed_workers() -> None:
            running: list[Future[list[bytes]]] = []
            try:
                while (i := claim(front=True)) is not None:
                    future = pool.submit(_render_chunk, chunks[i])
                    done[i] = future
                    running.append(future)
                    if len(running) >= 2 * (self.workers - 1):
                        wait(running, return_when=FIRST_COMPLETED)
                        running = [f for f in running if not f.done()]
            except BrokenProcessPool as exc:  # the chunks left are rendered here
                stopped.append(exc)

        feeder = threading.Thread(target=feed_workers, daemon=True)
        feeder.start()
        while (i := claim(front=False)) is not None:
            done[i] = _render_chunk(chunks[i])
        feeder.join()
        out: list[bytes] = []
        broken = bool(stopped)
        for i, chunk in enumerate(chunks):
            result = done.get(i)
            if isinstance(result, Future):
                try:
                    result = result.result()
                except BrokenProcessPool:  # a worker could not start or died
                    broken, result = True, None
            out += result if result is not None else _render_chunk(chunk)
        if broken:
            logging.getLogger(__name__).warning(
                msg("handouts: the worker processes stopped; rendering in this process instead.")
            )
            self._pool = None
        return out


def _render_chunk(chunk: list[tuple[HandoutContent, str, str | None]]) -> list[bytes]:
    return [render_handout(*job) for job in chunk]
