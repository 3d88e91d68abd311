"""Calendar files and office tables, read back with icalendar and openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import json
import os

import openpyxl
import pandas as pd
import pytest
import vobject
from conftest import LINE_ROOM, make_scenario
from icalendar import Calendar

from course_planner.cli import main
from course_planner.clock import clock
from course_planner.errors import set_language
from course_planner.exports import slug, unique_slugs
from course_planner.exports.files import Staging, write_csv_atomic
from course_planner.exports.ics import CalendarLedger, room_calendar, village_calendar
from course_planner.exports.schedule import is_walk
from course_planner.exports.tables import german_csv, neutralise, xlsx
from course_planner.rotation.plan import solve_rotation
from course_planner.transit.reachability import journeys, prepare

TEACHER = {"base": {"name": "Zentrale", "lat": 52.03, "lon": 8.8}}


def plan_and_study():
    sc = make_scenario(
        "line",
        sites=[
            dict(LINE_ROOM, participants=4),
            {"name": "Dorfhaus", "lat": 51.998, "lon": 8.8, "participants": 3},
        ],
        course={
            "start_date": "2026-02-02",
            "end_date": "2026-02-27",
            "weekdays": ["mon", "wed"],
            "start": "08:30",
            "end": "12:00",
        },
        teacher=TEACHER,
    )
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
        assert start.date() == rec.date and clock(start.hour * 3600 + start.minute * 60) == clock(
            rec.start_s
        )
        assert str(start.tzinfo) == "Europe/Berlin"
        mark = "Lehrkraft vor Ort" if rec.teacher_site == "Kursraum" else "Lehrkraft per Video"
        assert str(ev["description"]).startswith(mark)
        assert str(ev["summary"]) == f"Kurs im Raum Kursraum – {mark}"
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
    ride = next(leg for leg in there.legs if not is_walk(leg))
    text = str(evs[0]["description"])
    assert f"Linie {ride.route}" in text and clock(ride.depart) in text
    # different UIDs from the room's calendar: both can be imported side by side
    _, room = events(room_calendar(plan, "Kursraum"))
    assert {str(e["uid"]) for e in evs}.isdisjoint({str(e["uid"]) for e in room})


def test_xlsx_reads_back():
    plan, _ = plan_and_study()
    table = plan.table()
    ws = openpyxl.load_workbook(io.BytesIO(xlsx({"Plan": table})))["Plan"]
    rows = list(ws.values)
    assert list(rows[0]) == list(table.columns)
    assert len(rows) == len(table) + 1
    # dates are dates and times are times (not text)
    first = plan.sessions.iloc[0]
    assert ws["A2"].value.date() == first["date"] and ws["A2"].number_format == "DD.MM.YYYY"
    assert ws["C2"].value == dt.timedelta(seconds=int(first["start_s"]))
    assert ws["C2"].number_format == "[h]:mm"
    assert [r[5] for r in rows[1:]] == list(table["teacher_site"])


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
    text = (
        f"name: Export\nfeed: {path.parent}\nplaces: {path.parent / 'places.csv'}\n"
        "sites: [{name: Kursraum, lat: 52.0549, lon: 8.8}]\n"
        "teacher: {base: {name: Zentrale, lat: 52.03, lon: 8.8}}\n"
        "course: {start_date: 2026-02-02, end_date: 2026-02-13, weekdays: [mon],"
        " start: '08:30', end: '12:00'}\n"
    )
    sc = tmp_path / "s.yaml"
    sc.write_text(text)
    assert main(["export", str(sc), "--out", str(out)]) == 0
    assert (out / "tabellen.xlsx").exists() and (out / "plan.csv").exists()
    book = openpyxl.load_workbook(out / "tabellen.xlsx")
    # the CLI speaks English; where the timetable comes from travels with the tables
    assert book.sheetnames == ["Plan", "Reachability", "Not reachable", "Source"]
    assert book["Source"]["A2"].value == "Timetable: line."  # no feed_info.txt: its folder
    assert (out / "quelle.csv").exists()
    assert (out / "erreichbarkeit.csv").exists() and (out / "nicht-erreichbar.csv").exists()
    set_language("de")  # as the app does on a German page
    try:
        assert main(["export", str(sc), "--what", "tables", "--out", str(tmp_path / "de")]) == 0
    finally:
        set_language("en")
    sheets = openpyxl.load_workbook(tmp_path / "de" / "tabellen.xlsx").sheetnames
    assert sheets == ["Plan", "Erreichbarkeit", "Nicht erreichbar", "Quelle"]
    assert (out / "handouts" / "fernhof-kein-raum-en.pdf").exists()  # unreachable too
    assert (out / "ics" / "raum-kursraum.ics").exists()
    assert (out / "ics" / "ort-dorf.ics").exists()  # Dorf's 4 participants go there
    assert (out / "handouts" / "dorf-kursraum-en.pdf").exists()  # handouts by default
    assert main(["export", str(sc), "--what", "pdfs", "--out", str(out)]) == 2
    assert "Use handouts, ics, tables" in capsys.readouterr().err


def vevents(data: bytes) -> list:
    """The events as read by vobject (a second, independent parser)."""
    return list(vobject.readOne(data.decode("utf-8")).vevent_list)


def test_calendar_updates_sequence_stamp_and_cancellations():
    plan, study = plan_and_study()
    first = CalendarLedger.from_json(None, now=dt.datetime(2026, 1, 10, tzinfo=dt.UTC))
    data = village_calendar(plan, study, "Dorf", "Kursraum", ledger=first)
    state = first.to_json()
    # the same plan again: byte-identical, SEQUENCE and DTSTAMP kept
    again = CalendarLedger.from_json(state, now=dt.datetime(2026, 1, 20, tzinfo=dt.UTC))
    assert village_calendar(plan, study, "Dorf", "Kursraum", ledger=again) == data
    assert again.to_json() == state
    # a changed plan: one session moved to another room, the last session removed
    changed = plan.sessions.copy()
    changed.loc[0, "teacher_site"] = (
        "Dorfhaus" if changed.loc[0, "teacher_site"] == "Kursraum" else "Kursraum"
    )
    removed = changed.iloc[-1]
    changed = changed.iloc[:-1]
    later = CalendarLedger.from_json(state, now=dt.datetime(2026, 2, 3, 7, tzinfo=dt.UTC))
    new = village_calendar(
        type(plan)(**{**plan.__dict__, "sessions": changed}),
        study,
        "Dorf",
        "Kursraum",
        ledger=later,
    )
    _, evs = events(new)
    by_uid = {str(e["uid"]): e for e in evs}
    _, old = events(data)
    old_by_uid = {str(e["uid"]): e for e in old}
    assert set(by_uid) == set(old_by_uid)  # the removed one is still there, cancelled
    for ics_events in (evs, vevents(new)):  # both parsers agree
        assert len(ics_events) == len(plan.sessions)
    for uid, ev in by_uid.items():
        before = old_by_uid[uid]
        start = ev.decoded("dtstart").date()
        if start == changed.iloc[0]["date"]:
            assert int(ev["sequence"]) == 1 and ev.decoded("dtstamp") == later.now
        elif start == removed["date"]:
            assert str(ev["status"]) == "CANCELLED" and int(ev["sequence"]) == 1
            assert ev.decoded("dtstamp") == later.now
        else:
            assert int(ev["sequence"]) == 0
            assert ev.decoded("dtstamp") == before.decoded("dtstamp")
    statuses = {v.uid.value: v.status.value for v in vevents(new)}
    assert sorted(statuses.values()).count("CANCELLED") == 1
    # exporting the changed plan once more changes nothing
    state2 = later.to_json()
    last = CalendarLedger.from_json(state2, now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    assert (
        village_calendar(
            type(plan)(**{**plan.__dict__, "sessions": changed}),
            study,
            "Dorf",
            "Kursraum",
            ledger=last,
        )
        == new
    )
    assert json.loads(last.to_json()) == json.loads(state2)


def test_calendar_without_teacher_has_no_presence_marks():
    _, study = plan_and_study()
    data = room_calendar(None, "Kursraum", scenario=study.scenario)
    for ev in vevents(data):
        assert ev.summary.value == "Kurs im Raum Kursraum"
        assert "Lehrkraft" not in ev.description.value


def test_file_names_in_any_script_are_unique():
    names = ["Детмольд", "Детмольд-Норд", "عين الحلوة", "قرية", "Lügde", "Luegde", "==="]
    files = unique_slugs(names)
    assert len(set(files.values())) == len(names)
    assert all(f and f != "ort" and f.isascii() for f in files.values())
    assert slug("Детмольд").startswith("detmol") and slug("Lügde") == "luegde"
    assert unique_slugs(reversed(names)) == files  # independent of the order


def test_csv_writer_guards_formulas_and_modes(tmp_path):
    path = write_csv_atomic(
        pd.DataFrame({"place": ['=HYPERLINK("x")', "Lage"]}), tmp_path / "reach.csv"
    )
    assert path.read_text().splitlines()[1].startswith("\"'=HYPERLINK")
    assert path.stat().st_mode & 0o777 == 0o644


def test_staging_is_all_or_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), Staging(out) as stage:
        stage.write("a.txt", b"a")
        raise RuntimeError("boom")
    assert not out.exists() and os.listdir(tmp_path) == []
    with Staging(out) as stage:
        stage.write("sub/b.txt", b"b")
    assert (out / "sub" / "b.txt").read_bytes() == b"b"
    assert os.listdir(tmp_path) == ["out"]


def test_cli_export_without_teacher_and_failure_leaves_nothing(tmp_path, capsys, monkeypatch):
    path = make_scenario("line").source_file
    sc = tmp_path / "s.yaml"
    sc.write_text(
        f"name: VPE-like\nfeed: {path.parent}\nplaces: {path.parent / 'places.csv'}\n"
        "sites: [{name: Kursraum, lat: 52.0549, lon: 8.8}]\n"
        "course: {start_date: 2026-02-02, end_date: 2026-02-13, weekdays: [mon],"
        " start: '08:30', end: '12:00'}\n"
    )
    out = tmp_path / "export"
    from course_planner.exports import handout

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(handout, "render_handout", broken)
    assert main(["export", str(sc), "--out", str(out)]) == 2
    assert not out.exists() and sorted(os.listdir(tmp_path)) == ["s.yaml"]
    monkeypatch.undo()
    assert main(["export", str(sc), "--out", str(out)]) == 0
    assert "no teacher" in capsys.readouterr().err
    assert (out / "handouts" / "fernhof-kein-raum-en.pdf").exists()
    assert (out / "ics" / "ort-dorf.ics").exists() and (out / "ics" / "raum-kursraum.ics").exists()
    first = (out / "ics" / "ort-dorf.ics").read_bytes()
    assert main(["export", str(sc), "--what", "ics", "--out", str(out)]) == 0
    assert (out / "ics" / "ort-dorf.ics").read_bytes() == first  # same plan, same bytes


@pytest.mark.parametrize("lang", ["ar", "uk"])
def test_village_calendar_in_the_participants_language(lang):
    """Every text of a village's calendar in German and once more in the handouts'
    language: title, presence, the connection word by word, contact and a cancellation;
    both parsers read it."""
    from course_planner import catalogues

    words = catalogues.catalogue("handout", lang)
    plan, study = plan_and_study()
    first = plan.sessions.iloc[0]
    data = village_calendar(plan, study, "Dorf", "Kursraum", langs=[lang])
    _, evs = events(data)
    event = next(e for e in evs if e.decoded("dtstart").date() == first["date"])
    summary, description = str(event["summary"]), str(event["description"])
    german, translated = summary.split(" / ")
    assert german.startswith("Kurs im Raum Kursraum – Lehrkraft")
    assert translated.startswith(f"{words['Kurs im Raum']} Kursraum – ")
    block = description.split("\n\n")[1]  # the language's own part, after the German one
    there, _ = journeys(study, "Dorf", "Kursraum", first["date"])
    ride = next(leg for leg in there.legs if not is_walk(leg))
    assert f"{words['Hinweg']}: " in block and f"{words['Linie']} {ride.route}" in block
    assert words["{n} UE"].format(n=str(first["ue"])) in block
    assert words["Übersetzung: noch nicht von Muttersprachlern geprüft."] in block
    assert "Hinweg" not in block and "Linie" not in block  # no German left in it
    assert len(vevents(data)) == len(evs)
    # a session that is gone is cancelled in both languages
    ledger = CalendarLedger.from_json(None, now=dt.datetime(2026, 1, 10, tzinfo=dt.UTC))
    village_calendar(plan, study, "Dorf", "Kursraum", ledger=ledger, langs=[lang])
    fewer = type(plan)(**{**plan.__dict__, "sessions": plan.sessions.iloc[1:]})
    later = CalendarLedger.from_json(ledger.to_json(), now=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    _, evs = events(village_calendar(fewer, study, "Dorf", "Kursraum", ledger=later, langs=[lang]))
    (gone,) = [e for e in evs if str(e["status"]) == "CANCELLED"]
    assert str(gone["summary"]).startswith(f"ABGESAGT / {words['ABGESAGT']}: Kurs im Raum")
