"""Calendar files and office tables, read back with icalendar and openpyxl."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
from conftest import LINE_ROOM, make_scenario
from icalendar import Calendar

from course_planner.cli import main
from course_planner.exports.ics import room_calendar, village_calendar
from course_planner.exports.tables import german_csv, neutralise, xlsx
from course_planner.rotation.plan import solve_rotation
from course_planner.transit.reachability import clock, journeys, prepare
from course_planner.transit.router import Mode

TEACHER = {"base": {"name": "Zentrale", "lat": 52.03, "lon": 8.8}}


def plan_and_study():
    sc = make_scenario("line", sites=[dict(LINE_ROOM, participants=4),
                                      {"name": "Dorfhaus", "lat": 51.998, "lon": 8.8,
                                       "participants": 3}],
                       course={"start_date": "2026-02-02", "end_date": "2026-02-27",
                               "weekdays": ["mon", "wed"], "start": "08:30", "end": "12:00"},
                       teacher=TEACHER)
    study = prepare(sc)
    return solve_rotation(sc, study), study


def events(data: bytes):
    cal = Calendar.from_ical(data)
    return cal, [c for c in cal.walk() if c.name == "VEVENT"]


def test_room_calendar_reads_back():
    plan, _ = plan_and_study()
    data = room_calendar(plan, "Kursraum")
    cal, evs = events(data)
    assert len(evs) == len(plan.sessions)
    assert next(c for c in cal.walk() if c.name == "VTIMEZONE")["TZID"] == "Europe/Berlin"
    for ev, rec in zip(evs, plan.sessions.itertuples(), strict=True):
        start = ev.decoded("dtstart")
        assert start.date() == rec.date and clock(start.hour * 3600 + start.minute * 60) \
            == clock(rec.start_s)
        assert str(start.tzinfo) == "Europe/Berlin"
        mark = "Lehrkraft vor Ort" if rec.teacher_site == "Kursraum" else "online"
        assert str(ev["description"]).startswith(mark)
        assert str(ev["location"]) == "Kursraum"
    # stable: the same plan gives the same file, UIDs included
    assert room_calendar(plan, "Kursraum") == data
    uids = [str(e["uid"]) for e in evs]
    assert len(set(uids)) == len(uids)


def test_village_calendar_carries_the_connection():
    plan, study = plan_and_study()
    _, evs = events(village_calendar(plan, study, "Dorf", "Kursraum"))
    first = plan.sessions.iloc[0]
    there, _ = journeys(study, "Dorf", "Kursraum", first["date"])
    ride = next(leg for leg in there.legs if leg.mode is Mode.RIDE)
    text = str(evs[0]["description"])
    assert f"Linie {ride.route}" in text and clock(ride.depart) in text
    # different UIDs from the room's calendar: both can be imported side by side
    _, room = events(room_calendar(plan, "Kursraum"))
    assert {str(e["uid"]) for e in evs}.isdisjoint({str(e["uid"]) for e in room})


def test_xlsx_reads_back():
    plan, _ = plan_and_study()
    table = plan.table()
    wb = openpyxl.load_workbook(io.BytesIO(xlsx({"Plan": table})))
    rows = list(wb["Plan"].values)
    assert list(rows[0]) == list(table.columns)
    assert [list(r) for r in rows[1:]] == table.astype(object).values.tolist()


def test_formula_injection_is_neutralised():
    evil = '=HYPERLINK("x")'
    frame = pd.DataFrame({"place": [evil, "+49 5231", "Lage"], "km": [1.5, 2.25, 3.0]})
    text = german_csv(frame).decode("utf-8-sig")
    assert german_csv(frame).startswith(b"\xef\xbb\xbf")  # BOM
    lines = text.splitlines()
    assert lines[0] == "place;km"
    assert lines[1] == '"\'=HYPERLINK(""x"")";1,5'  # quoted because of the quotes inside
    assert lines[2].startswith("'+49 5231;2,25")
    assert lines[3] == "Lage;3,0"
    ws = openpyxl.load_workbook(io.BytesIO(xlsx({"T": frame})))["T"]
    assert ws["A2"].value == evil and ws["A2"].data_type == "s"
    assert neutralise(-3) == -3 and neutralise("@SUM(A1)") == "'@SUM(A1)"


def test_cli_export(tmp_path, capsys):
    out = tmp_path / "export"
    path = make_scenario("line").source_file
    text = (f"name: Export\nfeed: {path.parent}\nplaces: {path.parent / 'places.csv'}\n"
            "sites: [{name: Kursraum, lat: 52.0549, lon: 8.8}]\n"
            "teacher: {base: {name: Zentrale, lat: 52.03, lon: 8.8}}\n"
            "course: {start_date: 2026-02-02, end_date: 2026-02-13, weekdays: [mon],"
            " start: '08:30', end: '12:00'}\n")
    sc = tmp_path / "s.yaml"
    sc.write_text(text)
    assert main(["export", str(sc), "--out", str(out)]) == 0
    assert (out / "tabellen.xlsx").exists() and (out / "plan.csv").exists()
    assert (out / "ics" / "raum-kursraum.ics").exists()
    assert (out / "ics" / "ort-dorf.ics").exists()  # Dorf's 4 participants go there
    assert (out / "handouts" / "dorf-kursraum-en.pdf").exists()  # handouts by default
    assert main(["export", str(sc), "--what", "pdfs", "--out", str(out)]) == 2
    assert "Use handouts, ics, tables" in capsys.readouterr().err
