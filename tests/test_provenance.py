"""Where a timetable comes from: read from the feed's own feed_info.txt (never from its file
name), named on the handouts and the app's pages, and "not an official timetable" where the
feed says it is a reconstruction or an example."""

from __future__ import annotations

import dataclasses
import shutil
import zipfile
from pathlib import Path

from test_handouts import setup, words_of

from course_planner.exports.handout import handout_pdf
from course_planner.transit.provenance import FeedStatus, feed_source

REPO = Path(__file__).resolve().parent.parent
HEADER = "feed_publisher_name,feed_publisher_url,feed_lang,feed_version\n"


def info(folder: Path, publisher: str, version: str = "1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feed_info.txt").write_text(
        HEADER + f'"{publisher}",https://example.org,de,{version}\n', encoding="utf-8"
    )
    return folder


def test_a_feed_says_what_it_is(tmp_path):
    # the shipped reconstruction, copied under a name that says nothing about it
    copy = tmp_path / "amtlicher-fahrplan"
    shutil.copytree(REPO / "gtfs_data" / "lippe-nwl-2019-reconstructed", copy)
    source = feed_source(copy)
    assert source.status is FeedStatus.RECONSTRUCTION and source.official is False
    assert source.name.startswith("Reconstruction from Mapnificent")
    # a publisher's feed in a zip: named by its publisher, not judged
    delfi = info(tmp_path / "delfi", "DELFI e.V.", "2026-11-01")
    archive = tmp_path / "rekonstruiert.zip"  # the file name is not read as a statement
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(delfi / "feed_info.txt", "feed_info.txt")
    source = feed_source(archive)
    assert (source.status, source.name) == (FeedStatus.UNSTATED, "DELFI e.V.")
    assert source.official is None
    # example data says so in its version
    assert feed_source(info(tmp_path / "x", "Kursplaner", "example feed")).status is (
        FeedStatus.EXAMPLE
    )
    # no feed_info.txt, a broken zip, no file: the file's name, no error
    assert feed_source(REPO / "tests" / "fixtures" / "line").name == "line"
    broken = tmp_path / "kaputt.zip"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    assert feed_source(broken) == feed_source(broken)  # the same answer each time
    assert feed_source(broken).name == "kaputt.zip"
    assert feed_source(tmp_path / "fehlt").status is FeedStatus.UNSTATED


def test_the_handout_names_the_source_and_says_a_reconstruction_is_not_official(tmp_path):
    plan, study = setup()
    feed = tmp_path / "fahrplan"
    shutil.copytree(Path(study.scenario.feed), feed)
    info(feed, "Reconstruction from NWL 2019 (CC BY)")
    rebuilt = dataclasses.replace(study, scenario=study.scenario.model_copy(update={"feed": feed}))
    text = words_of(handout_pdf(plan, rebuilt, "Dorf", "Kursraum", "uk"))
    assert (
        "Fahrplandaten: Rekonstruktion, kein amtlicher Fahrplan "
        "(Quelle: Reconstruction from NWL 2019 (CC BY))" in text
    )
    assert "не офіційний розклад" in text
    info(feed, "Verkehrsverbund Beispielland", "2026")  # a publisher's own feed
    text = words_of(handout_pdf(plan, rebuilt, "Dorf", "Kursraum", "uk"))
    assert "Fahrplandaten: Verkehrsverbund Beispielland. Angaben ohne Gewähr." in text
    assert "amtlich" not in text


def test_the_command_line_the_tables_and_the_calendars_say_it_too(tmp_path, capsys):
    """Everything that stands on the timetable carries the statement: the command line's
    summary, the office tables (a sheet of their own), the export's warnings and the
    village calendars, in German and the handout language."""
    import openpyxl
    from icalendar import Calendar

    from course_planner.cli import main
    from course_planner.exports.ics import village_calendar

    plan, study = setup()
    feed = tmp_path / "fahrplan"
    shutil.copytree(Path(study.scenario.feed), feed)
    info(feed, "Reconstruction from NWL 2019 (CC BY)")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"name: Quelle\nfeed: {feed}\nplaces: {feed / 'places.csv'}\n"
        "sites: [{name: Kursraum, lat: 52.0549, lon: 8.8}]\n"
        "course: {start_date: 2026-02-02, end_date: 2026-02-13, weekdays: [mon],"
        " start: '08:30', end: '12:00'}\n",
        encoding="utf-8",
    )
    said = "Timetable: a reconstruction, not an official timetable (source: Reconstruction"
    assert main(["reach", str(scenario), "--out", str(tmp_path / "reach.csv")]) == 0
    assert said in capsys.readouterr().out
    out = tmp_path / "export"
    assert main(["export", str(scenario), "--what", "tables", "--out", str(out)]) == 0
    assert said in capsys.readouterr().err  # a warning where the export is made
    sheet = openpyxl.load_workbook(out / "tabellen.xlsx")["Source"]
    assert sheet["A2"].value.startswith(said)
    rebuilt = dataclasses.replace(study, scenario=study.scenario.model_copy(update={"feed": feed}))
    cal = village_calendar(plan, rebuilt, "Dorf", "Kursraum", langs=["uk"])
    description = str(next(iter(Calendar.from_ical(cal).walk("VEVENT")))["description"])
    assert "Fahrplandaten: Rekonstruktion, kein amtlicher Fahrplan" in description
    assert "не офіційний розклад" in description


def test_a_clipped_copy_still_says_it(tmp_path, monkeypatch):
    """A scenario that clips its feed plans on a copy in the cache folder (a name of
    digits): the copy keeps the feed's statement, because it is read from the data."""
    from test_clip import FEED, scenario_file, write_feed

    from course_planner.scenario import load_scenario

    monkeypatch.setenv("COURSE_PLANNER_CACHE", str(tmp_path / "cache"))
    header, _ = FEED["feed_info.txt"].split("\n", 1)
    write_feed(tmp_path, {**FEED, "feed_info.txt": f"{header}\nRekonstruktion (Test),x,de\n"})
    sc = load_scenario(scenario_file(tmp_path, '{county: "05766", buffer_km: 10}'))
    assert sc.feed.parent == tmp_path / "cache" / "clips"
    source = feed_source(sc.feed)
    assert source.status is FeedStatus.RECONSTRUCTION and source.name == "Rekonstruktion (Test)"
