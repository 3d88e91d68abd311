"""Participant handouts: read back with pypdf and compared with the plan and the journeys."""

from __future__ import annotations

import io
import os
import unicodedata
from functools import cache

import pytest
from babel.dates import format_date
from conftest import LINE_ROOM, make_scenario
from pypdf import PdfReader
from test_exports import TEACHER, plan_and_study

from course_planner.cli import main
from course_planner.errors import CoursePlannerError
from course_planner.exports import handout
from course_planner.exports.handout import LANGUAGES, handout_pdf
from course_planner.rotation.plan import solve_rotation
from course_planner.transit.reachability import clock, journeys, prepare
from course_planner.transit.router import Mode

FONTS_INSTALLED = any(d.joinpath(handout.FONTS["arab"]).exists() for d in handout.FONT_DIRS)
if not FONTS_INSTALLED and os.environ.get("CI"):
    pytest.fail("the Noto fonts are missing in CI: .ci/run must install fonts-noto-core",
                pytrace=False)
pytestmark = pytest.mark.skipif(not FONTS_INSTALLED,
                                reason="needs the Noto fonts (apt-get install fonts-noto-core)")


@cache
def setup():
    return plan_and_study()


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in pages))


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


def test_dates_presence_stops_and_times_match_the_plan():
    plan, study = setup()
    text = text_of(handout_pdf(plan, study, "Dorf", "Kursraum", "uk"))
    lines = text.splitlines()
    for rec in plan.sessions.itertuples():
        german = format_date(rec.date, "EEE, d. MMM y", locale="de")
        row = next(line for line in lines if line.startswith(german))
        assert f"{clock(rec.start_s)}–{clock(rec.end_s)}" in row
        assert ("vor Ort" in row) == (rec.teacher_site == "Kursraum")
    first = plan.sessions.iloc[0]
    there, back = journeys(study, "Dorf", "Kursraum", first["date"])
    for leg in [*there.legs, *back.legs]:
        assert leg.from_name in text and clock(leg.depart) in text
    ride = next(leg for leg in there.legs if leg.mode is Mode.RIDE)
    assert ride.route in text


def test_a_village_without_connection_is_told_what_to_do():
    plan, study = setup()
    text = text_of(handout_pdf(plan, study, "Fernhof", "Kursraum", "en"))
    assert "Keine Verbindung mit Bus und Bahn." in text
    assert "online" in text and "Rufbus" in text


def test_name_is_printed_and_errors_are_clear(monkeypatch, tmp_path):
    plan, study = setup()
    assert "Für: Amina" in text_of(handout_pdf(plan, study, "Dorf", "Kursraum", "ar",
                                               name="Amina"))
    with pytest.raises(CoursePlannerError, match="no handout texts"):
        handout_pdf(plan, study, "Dorf", "Kursraum", "xx")
    monkeypatch.setattr(handout, "FONT_DIRS", (tmp_path,))
    with pytest.raises(CoursePlannerError, match="fonts-noto-core"):
        handout_pdf(plan, study, "Dorf", "Kursraum", "ar")


def test_cli_handouts_per_name(tmp_path, capsys):
    path = plan_and_study()[0].inp.scenario.source_file
    sc = tmp_path / "s.yaml"
    sc.write_text(f"name: H\nfeed: {path.parent}\nplaces: {path.parent / 'places.csv'}\n"
                  "sites: [{name: Kursraum, lat: 52.0549, lon: 8.8}]\n"
                  "teacher: {base: {name: Zentrale, lat: 52.03, lon: 8.8}}\n"
                  "course: {start_date: 2026-02-02, end_date: 2026-02-13, weekdays: [mon],"
                  " start: '08:30', end: '12:00'}\n")
    names = tmp_path / "names.txt"
    names.write_text("Amina\nOleksandr\n")
    out = tmp_path / "out"
    assert main(["export", str(sc), "--what", "handouts", "--lang", "ar,tr", "--names",
                 str(names), "--out", str(out)]) == 0
    files = sorted(p.name for p in (out / "handouts").iterdir())
    # Dorf's and Stadtrand's participants come to Kursraum (Fernhof has none)
    assert files == [f"{place}-kursraum-{lang}-{i:03d}.pdf" for place in ("dorf", "stadtrand")
                     for lang in ("ar", "tr") for i in (1, 2)]
    assert "Oleksandr" in text_of((out / "handouts" / files[1]).read_bytes())
    assert main(["export", str(sc), "--what", "handouts", "--lang", "xx",
                 "--out", str(out)]) == 2


def test_dates_without_connection_are_listed():
    # Easter Monday is a session here (public holidays not skipped) but the feed has no
    # service that day: the handout shows the usual connection and lists that date
    sc = make_scenario("line", sites=[dict(LINE_ROOM, participants=4)], teacher=TEACHER,
                       course={"start_date": "2026-03-30", "end_date": "2026-04-13",
                               "weekdays": ["mon"], "start": "08:30", "end": "12:00",
                               "holidays": {"public": False}})
    study = prepare(sc)
    plan = solve_rotation(sc, study)
    assert len(plan.sessions) == 3
    text = text_of(handout_pdf(plan, study, "Dorf", "Kursraum", "en"))
    assert "Verbindung am 30.03.2026" in text
    assert "An diesen Tagen gibt es keine passende Verbindung:" in text
    assert "Mo. 6.4." in text and "Mo. 13.4." not in text
