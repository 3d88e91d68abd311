"""Participant handouts: read back with pypdf and compared with the plan and the journeys."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import unicodedata
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import LINE_ROOM, make_scenario
from pypdf import PdfReader
from test_exports import TEACHER, plan_and_study

from course_planner.cli import main
from course_planner.clock import clock
from course_planner.errors import CoursePlannerError
from course_planner.exports import handout
from course_planner.exports.handout import LANGUAGES, handout_pdf, room_poster_pdf
from course_planner.exports.schedule import course_sessions, day_connections, grouped, is_walk
from course_planner.rotation.plan import solve_rotation
from course_planner.transit.reachability import prepare, reachability_table

FONTS_INSTALLED = any(d.joinpath(handout.FONTS["arab"]).exists() for d in handout.FONT_DIRS)
if not FONTS_INSTALLED and os.environ.get("CI"):
    pytest.fail(
        "the Noto fonts are missing in CI: .ci/run must install fonts-noto-core", pytrace=False
    )
pytestmark = pytest.mark.skipif(
    not FONTS_INSTALLED, reason="needs the Noto fonts (apt-get install fonts-noto-core)"
)


@cache
def setup():
    return plan_and_study()


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in pages))


def words_of(pdf: bytes) -> str:
    """The text with all white space as single spaces (wrapped lines joined)."""
    return " ".join(text_of(pdf).split())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language(lang):
    plan, study = setup()
    text = text_of(handout_pdf(plan, study, "Dorf", "Kursraum", lang))
    assert "Ihr Kursplan" in text and "Kursort: Kursraum" in text
    translated = handout.catalogue(lang)["Ihr Kursplan"]
    if lang in ("ar", "fa"):  # shaped Arabic script: check its letters are there
        letters = {c for c in translated if c.isalpha()}
        assert letters <= set(text)
    else:
        assert translated in text


def boxes(pdf: bytes, tmp_path) -> list[list[tuple[float, float, float, float, str]]]:
    """Word boxes per page, from poppler's pdftotext -bbox."""
    src = tmp_path / "h.pdf"
    src.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(src), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages: list[list] = []

    class Parser(HTMLParser):
        word = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "page":
                pages.append([])
            elif tag == "word":
                self.word = [float(a[k]) for k in ("xmin", "ymin", "xmax", "ymax")]

        def handle_data(self, data):
            if self.word is not None:
                pages[-1].append((*self.word, data))
                self.word = None

    Parser().feed(html)
    return pages


def overlaps(words) -> list[tuple[str, str]]:
    """Pairs of words printed over each other. The boxes are the fonts' full ascent to
    descent, which reach into the neighbouring lines of tightly set text by a point or two;
    text printed over text overlaps by far more than that (a third of a line)."""
    bad = []
    for i, (x0, y0, x1, y1, w) in enumerate(words):
        for a0, b0, a1, b1, v in words[i + 1 :]:
            line = min(y1 - y0, b1 - b0)
            if min(x1, a1) - max(x0, a0) > 0.6 and min(y1, b1) - max(y0, b0) > line / 3:
                bad.append((w, v))
    return bad


LONG_ROOM = "Kursraum im Gemeindezentrum der Evangelischen Kirchengemeinde Stadtmitte-Nord"


@cache
def long_names():
    sc = make_scenario(
        "line",
        sites=[
            dict(LINE_ROOM, name=LONG_ROOM, participants=4, address="Lange Straße 123, 32657 Lemgo")
        ],
        course={
            "start_date": "2026-02-02",
            "end_date": "2026-02-27",
            "weekdays": ["mon", "wed"],
            "start": "08:30",
            "end": "12:00",
        },
        teacher=TEACHER,
        contact={
            "organiser_phone": "05231 123456",
            "booking_phone": "05231 977977",
            "online_link": "https://meet.example.org/kurs",
        },
    )
    study = prepare(sc)
    return solve_rotation(sc, study), study


needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)"
)


@needs_poppler
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_overlaps_and_long_stop_names_wrap(lang, tmp_path):
    plan, study = long_names()
    pages = boxes(handout_pdf(plan, study, "Dorf", LONG_ROOM, lang, name="Amina محمد"), tmp_path)
    assert len(pages) <= 2
    right = 595 - 12 / 25.4 * 72 + 1
    for page in pages:
        assert overlaps(page) == []
        assert all(x1 <= right for _, _, x1, _, _ in page)  # nothing runs off the page
    # the long room name (a stop of the walking legs) wraps inside its table cell: its
    # first and last words sit on different lines
    first = [w for w in pages[0] if w[4] == "Kursraum"]
    last = [w for w in pages[0] if w[4] == "Stadtmitte-Nord"]
    assert any(b[1] > a[1] + 3 for a in first for b in last)


def test_every_page_repeats_title_and_number(tmp_path):
    sc = make_scenario(
        "line",
        sites=[dict(LINE_ROOM, participants=4)],
        teacher=TEACHER,
        course={
            "start_date": "2026-02-02",
            "end_date": "2026-06-26",
            "weekdays": ["mon", "wed", "fri"],
            "start": "08:30",
            "end": "12:00",
        },
    )
    study = prepare(sc)
    pdf = handout_pdf(None, study, "Dorf", "Kursraum", "uk")
    pages = [
        unicodedata.normalize("NFKC", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages
    ]
    assert len(pages) > 1
    for i, page in enumerate(pages, start=1):
        assert "Ihr Kursplan" in page and "Ваш розклад курсу" in page
        assert f"{i}/{len(pages)}" in page
        assert "Kurstermine" in page and "Дати занять" in page  # the dates grid's title repeats


def test_connection_per_date_matches_the_reachability_table():
    plan, study = setup()
    table = reachability_table(study)
    rows = table[(table["place"] == "Dorf") & (table["site"] == "Kursraum")]
    sessions = course_sessions(plan, study.scenario)
    groups, _ = grouped(day_connections(study, sessions, "Dorf", "Kursraum"))
    by_date = {d: g for g in groups for d in g.dates}
    for rec in rows.itertuples():
        day = next(d for d in by_date if d.isoformat() == rec.date) if rec.reachable else None
        if day is None:
            continue
        assert clock(by_date[day].there.depart) == rec.depart_home
        assert clock(by_date[day].back.arrive, up=True) == rec.arrive_home
    text = text_of(handout_pdf(plan, study, "Dorf", "Kursraum", "en"))
    for group in groups:
        assert clock(group.there.depart) in text and clock(group.back.arrive, up=True) in text
        ride = next(leg for leg in group.there.legs if not is_walk(leg))
        assert ride.route in text and ride.from_name in text
    assert "Jeden: Montag und Mittwoch" in text  # one connection for every course date
    assert "Every: Monday and Wednesday" in text


def test_two_sessions_a_day_way_back_after_the_last():
    sc = make_scenario(
        "line",
        sites=[dict(LINE_ROOM, participants=4)],
        teacher=TEACHER,
        course={
            "start_date": "2026-02-02",
            "end_date": "2026-02-13",
            "weekdays": ["mon"],
            "start": "08:30",
            "end": "12:00",
            "slots": [{"start": "08:30", "end": "10:00"}, {"start": "10:30", "end": "12:00"}],
        },
    )
    study = prepare(sc)
    plan = solve_rotation(sc, study)
    assert len(plan.sessions) == 4
    days = day_connections(study, plan.sessions, "Dorf", "Kursraum")
    assert len(days) == 2
    leave = (12 * 60 + sc.travel.leave_after_min) * 60
    arrive = (8 * 60 + 30 - sc.travel.arrive_before_min) * 60
    for day in days:
        assert day.back.depart >= leave  # after the last session, not after 10:00
        assert day.there.arrive <= arrive
    text = text_of(handout_pdf(plan, study, "Dorf", "Kursraum", "tr"))
    assert clock(days[0].back.legs[0].depart) in text


def test_a_village_without_connection_is_told_what_to_do():
    plan, study = setup()
    text = words_of(handout_pdf(plan, study, "Fernhof", None, "en"))
    for words in (
        "erreicht man keinen Kursraum",
        "no course room can be reached",
        "please join online",
        "Bitte nehmen Sie dann online teil",
        "Rufbus",
    ):
        assert words in text
    assert "Lehrkraft vor Ort" not in text  # no presence marks without a room
    text = words_of(handout_pdf(plan, study, "Fernhof", "Kursraum", "en"))
    assert "keine passende Verbindung" in text and "no connection" in text.lower()


def test_contact_and_qr_code_are_printed():
    plan, study = long_names()
    pdf = handout_pdf(plan, study, "Dorf", LONG_ROOM, "en")
    text = text_of(pdf)
    assert "05231 123456" in text and "05231 977977" in text
    assert "https://meet.example.org/kurs" in text
    images = [img for page in PdfReader(io.BytesIO(pdf)).pages for img in page.images]
    assert len(images) == 1  # the QR code


def test_name_in_arabic_script_prints_in_both_halves():
    plan, study = setup()
    name = "محمد"
    for lang in ("en", "uk", "ar"):
        text = text_of(handout_pdf(plan, study, "Dorf", "Kursraum", lang, name=name))
        line = next(li for li in text.splitlines() if "Für" in li)
        # both halves carry the name's letters (shaped forms normalised by NFKC)
        assert sum(line.count(c) for c in "محمد") >= 2 * len(name) - 1, line
    assert handout.unprintable("Amina محمد Олена") == ""
    assert handout.unprintable("Ahmed \U00013000") == "\U00013000"


def test_name_is_printed_and_errors_are_clear(monkeypatch, tmp_path):
    plan, study = setup()
    assert "Für: Amina" in text_of(handout_pdf(plan, study, "Dorf", "Kursraum", "ar", name="Amina"))
    with pytest.raises(CoursePlannerError, match="no handout texts"):
        handout_pdf(plan, study, "Dorf", "Kursraum", "xx")
    monkeypatch.setattr(handout, "FONT_DIRS", (tmp_path,))
    with pytest.raises(CoursePlannerError, match="fonts-noto-core"):
        handout_pdf(plan, study, "Dorf", "Kursraum", "ar")


def test_every_text_is_translated():
    """Every German text the handout prints has a translation in every catalogue."""
    from course_planner.transit import provenance  # the timetable's source note

    source = "".join(
        Path(module.__file__).read_text(encoding="utf-8") for module in (handout, provenance)
    )
    keys = set(handout.catalogue("en"))
    for lang in LANGUAGES:
        assert set(handout.catalogue(lang)) == keys, lang
    for key in (
        "Fahrplandaten: Rekonstruktion, kein amtlicher Fahrplan (Quelle: {source}). "
        "Angaben ohne Gewähr.",
        "Fahrplandaten: Beispieldaten, kein amtlicher Fahrplan (Quelle: {source}). "
        "Angaben ohne Gewähr.",
        "Übersetzung: noch nicht von Muttersprachlern geprüft.",
        "Lehrkraft vor Ort",
        "Lehrkraft per Video",
        "Von zu Hause losgehen um",
        "Wieder zu Hause um",
    ):
        assert key in keys
        assert key.split(" ")[0] in source


def scenario_file(tmp_path, teacher=True, places=None):
    path = plan_and_study()[0].inp.scenario.source_file
    sc = tmp_path / "s.yaml"
    sc.write_text(
        f"name: H\nfeed: {path.parent}\nplaces: {places or path.parent / 'places.csv'}\n"
        "sites: [{name: Kursraum, lat: 52.0549, lon: 8.8}]\n"
        + ("teacher: {base: {name: Zentrale, lat: 52.03, lon: 8.8}}\n" if teacher else "")
        + "course: {start_date: 2026-02-02, end_date: 2026-02-13, weekdays: [mon],"
        " start: '08:30', end: '12:00'}\n"
    )
    return sc


def test_cli_handouts_for_every_village_and_class_sets(tmp_path, capsys):
    sc = scenario_file(tmp_path)
    names = tmp_path / "names.txt"
    names.write_text("Amina;Dorf\nOleksandr;Dorf\nمحمد;Fernhof\nEva\n")
    out = tmp_path / "out"
    assert (
        main(
            [
                "export",
                str(sc),
                "--what",
                "handouts",
                "--lang",
                "ar,tr",
                "--names",
                str(names),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    files = sorted(p.name for p in (out / "handouts").iterdir())
    # Dorf: Amina, Oleksandr, Eva; Fernhof (no room reachable): محمد and Eva; Stadtrand: Eva
    expected = sorted(
        [f"dorf-kursraum-{lang}-{i:03d}.pdf" for lang in ("ar", "tr") for i in (1, 2, 3)]
        + [f"fernhof-kein-raum-{lang}-{i:03d}.pdf" for lang in ("ar", "tr") for i in (1, 2)]
        + [f"stadtrand-kursraum-{lang}-001.pdf" for lang in ("ar", "tr")]
    )
    assert files == expected
    assert "Oleksandr" in text_of((out / "handouts" / "dorf-kursraum-tr-002.pdf").read_bytes())
    fernhof = text_of((out / "handouts" / "fernhof-kein-raum-ar-001.pdf").read_bytes())
    assert "keinen Kursraum" in fernhof and set("محمد") <= set(fernhof)
    # class set: every handout of the room and language, page for page
    pages = sum(
        len(PdfReader(out / "handouts" / f).pages)
        for f in files
        if f.startswith(("dorf", "stadtrand")) and "-tr-" in f
    )
    assert len(PdfReader(out / "klassensaetze" / "klassensatz-kursraum-tr.pdf").pages) == pages
    poster = text_of((out / "klassensaetze" / "aushang-kursraum.pdf").read_bytes())
    assert "Kurs im Raum Kursraum" in poster and "Lehrkraft vor Ort" in poster
    for path in out.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o777 == 0o644, path


def test_cli_refuses_tens_of_thousands_of_handouts(tmp_path, capsys):
    sc = scenario_file(tmp_path)
    names = tmp_path / "names.txt"
    names.write_text("\n".join(f"Person {i}" for i in range(10_000)))
    out = tmp_path / "out"
    assert (
        main(["export", str(sc), "--lang", "ar,tr", "--names", str(names), "--out", str(out)]) == 2
    )
    err = capsys.readouterr().err
    assert "60000 handouts" in err and "10000 names × 3 villages × 2 languages" in err
    assert "name;village" in err
    assert not out.exists() and list(tmp_path.glob(".out*")) == []


def test_unprintable_name_is_reported(tmp_path, capsys):
    sc = scenario_file(tmp_path)
    names = tmp_path / "names.txt"
    names.write_text("Ahmed \U00013000;Dorf\n")
    out = tmp_path / "out"
    assert (
        main(["export", str(sc), "--what", "handouts", "--names", str(names), "--out", str(out)])
        == 0
    )
    assert "the name 'Ahmed \U00013000' has characters" in capsys.readouterr().err
    assert "\U00013000" not in text_of((out / "handouts" / "dorf-kursraum-en-001.pdf").read_bytes())


def test_poster_without_teacher():
    _, study = setup()
    text = text_of(room_poster_pdf(None, study.scenario, "Kursraum"))
    assert "Kurs im Raum Kursraum" in text and "Lehrkraft" not in text


def test_dates_without_connection_are_listed():
    # Easter Monday is a session here (public holidays not skipped) but the feed has no
    # service that day: the handout shows the usual connection and lists that date
    sc = make_scenario(
        "line",
        sites=[dict(LINE_ROOM, participants=4)],
        teacher=TEACHER,
        course={
            "start_date": "2026-03-30",
            "end_date": "2026-04-13",
            "weekdays": ["mon"],
            "start": "08:30",
            "end": "12:00",
            "holidays": {"public": False},
        },
    )
    study = prepare(sc)
    plan = solve_rotation(sc, study)
    assert len(plan.sessions) == 3
    text = words_of(handout_pdf(plan, study, "Dorf", "Kursraum", "en"))
    assert "30.3., 13.4." in text  # the dates of the usual connection
    assert "keine passende Verbindung" in text
    without = text[text.index("keine passende Verbindung") : text.index("Kurstermine")]
    assert "Mo. 6.4." in without and "Mo. 13.4." not in without


def test_many_handouts_on_every_core_are_the_same_files_in_the_same_order():
    from course_planner.exports.handout import PARALLEL_FROM, HandoutPress, handout_content

    plan, study = setup()
    jobs = [
        (handout_content(plan, study, place, site), lang, f"Person {i}")
        for i, (place, site, lang) in enumerate(
            [("Dorf", "Kursraum", "en"), ("Fernhof", None, "ar"), ("Dorf", "Kursraum", "uk")]
            * (PARALLEL_FROM // 3 + 1)
        )
    ]
    with HandoutPress(1) as press:
        alone = press.render(jobs)
    with HandoutPress(2) as press:
        shared = press.render(jobs)
    assert len(shared) == len(jobs) >= PARALLEL_FROM
    assert shared == alone
    assert "Person 4" in words_of(shared[4]) and "Person 5" in words_of(shared[5])


def test_date_groups_in_school_holidays_say_holiday_timetable():
    import dataclasses

    from course_planner.calendar import school_holiday_dates
    from course_planner.exports.handout import handout_content, render_handout
    from course_planner.scenario import load_scenario

    lippe = load_scenario(Path(__file__).parent.parent / "scenarios" / "lippe-2026.yaml").course
    easter, may = dt.date(2026, 3, 31), dt.date(2026, 5, 5)  # NRW Osterferien 30.3.–11.4.2026
    assert school_holiday_dates(lippe, [easter, may]) == {easter}

    plan, study = setup()
    content = handout_content(plan, study, "Dorf", "Kursraum")
    plain = words_of(render_handout(content, "tr"))
    assert "Ferienfahrplan" not in plain and "tatil tarifesi" not in plain
    in_holidays = dataclasses.replace(content, school_holidays=frozenset(content.groups[0].dates))
    text = words_of(render_handout(in_holidays, "tr"))
    assert "(Ferienfahrplan)" in text and "(tatil tarifesi)" in text


def test_a_term_of_twenty_dates_fits_one_page():
    sc = make_scenario(
        "line",
        sites=[dict(LINE_ROOM, participants=4)],
        teacher=TEACHER,
        course={
            "start_date": "2026-02-02",
            "end_date": "2026-04-10",
            "weekdays": ["mon", "wed"],
            "start": "08:30",
            "end": "12:00",
        },
    )
    study = prepare(sc)
    plan = solve_rotation(sc, study)
    assert plan.sessions["date"].nunique() >= 18
    for lang in ("en", "ar", "uk"):
        pdf = handout_pdf(plan, study, "Dorf", "Kursraum", lang, name="Amina محمد")
        assert len(PdfReader(io.BytesIO(pdf)).pages) == 1, lang


def test_handouts_are_still_made_when_the_workers_stop(caplog):
    from concurrent.futures.process import BrokenProcessPool

    from course_planner.exports.handout import PARALLEL_FROM, HandoutPress, handout_content

    class Broken:
        def submit(self, *args, **kwargs):
            raise BrokenProcessPool("a child process terminated abruptly")

        def shutdown(self, *args, **kwargs):
            pass

    plan, study = setup()
    jobs = [(handout_content(plan, study, "Dorf", "Kursraum"), "en", None)] * PARALLEL_FROM
    press = HandoutPress(2)
    press._pool = Broken()  # type: ignore[assignment]
    pdfs = press.render(jobs)
    assert len(pdfs) == PARALLEL_FROM and all(p.startswith(b"%PDF") for p in pdfs)
    assert "rendering in this process instead" in caplog.text
