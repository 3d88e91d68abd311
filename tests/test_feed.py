"""Loading GTFS: zip or folder, official German format, and errors that say where."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile

import pytest
from conftest import FIXTURES, REPO

from course_planner.errors import FeedError, InputFileNotFoundError
from course_planner.transit.feed import load_feed
from course_planner.transit.timetable import timetable_for

VPE = REPO / "gtfs_data" / "vpe-keltern-2025" / "gtfs-hka-s24.zip"


def zipped(folder, tmp_path):
    out = tmp_path / f"{folder.name}.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(folder.glob("*.txt")):
            zf.write(f, f.name)
    return out


def test_zip_and_folder_give_the_same_connections(tmp_path):
    a = load_feed(FIXTURES / "line")
    b = load_feed(zipped(FIXTURES / "line", tmp_path))
    assert (a.connections.dep == b.connections.dep).all()
    assert list(a.stops["stop_id"]) == list(b.stops["stop_id"])
    assert a.validity == b.validity == "2026-01-01 … 2026-12-31"


def test_official_format_feed_loads():
    feed = load_feed(VPE)
    assert feed.first_date == dt.date(2024, 12, 15) and feed.last_date == dt.date(2025, 12, 12)
    assert feed.stops["stop_id"].str.startswith("de:").all()
    # platforms are grouped under their parent station
    assert (feed.stops["station_id"] != feed.stops["stop_id"]).any()
    assert len(feed.stations) < len(feed.stops)
    # times past 24:00 are kept as they are
    assert feed.connections.dep.max() > 24 * 3600


def test_timetable_uses_previous_service_day_after_midnight_only():
    feed = load_feed(FIXTURES / "line")
    tuesday = timetable_for(feed, dt.date(2026, 2, 3)).forward
    trip_ids = feed.trips["trip_id"].tolist()
    n = len(trip_ids)
    runs = {(trip_ids[t % n], t >= n) for t in tuesday.run.tolist()}
    assert ("N1", True) in runs and ("N2", True) in runs  # Monday's night trips
    yesterday = [
        (d, a)
        for t, d, a in zip(
            tuesday.run.tolist(), tuesday.dep.tolist(), tuesday.arr.tolist(), strict=True
        )
        if t >= n
    ]
    assert all(d >= 0 for d, _ in yesterday)  # only their part from 24:00 on
    assert (3000, 4200) in yesterday  # 24:50 → 25:10 becomes 00:50 → 01:10
    sunday_after = timetable_for(feed, dt.date(2026, 2, 9))  # Monday after a Sunday
    assert all(t < n for t in sunday_after.forward.run.tolist())
    assert timetable_for(feed, dt.date(2026, 2, 8)).has_service is False


def test_missing_path():
    with pytest.raises(InputFileNotFoundError, match="does not exist"):
        load_feed(FIXTURES / "nope")


def test_broken_zip(tmp_path):
    bad = tmp_path / "feed.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(FeedError, match="not a zip file") as err:
        load_feed(bad)
    assert "feed.zip" in str(err.value)


def test_missing_required_file():
    with pytest.raises(FeedError, match=r"stop_times\.txt is missing"):
        load_feed(FIXTURES / "broken_missing_file")


def test_dangling_stop_id_names_file_row_and_field():
    with pytest.raises(FeedError) as err:
        load_feed(FIXTURES / "broken_dangling")
    e = err.value
    assert e.file.endswith("stop_times.txt") and e.row == 7 and e.field == "stop_id"
    assert "'Z'" in str(e) and "stops.txt" in str(e)


def test_unparsable_time_names_row():
    with pytest.raises(FeedError) as err:
        load_feed(FIXTURES / "broken_time")
    e = err.value
    assert e.row == 3 and e.field == "arrival_time" and "7h40" in str(e)


def test_missing_column(tmp_path):
    folder = tmp_path / "feed"
    shutil.copytree(FIXTURES / "line", folder)
    lines = (folder / "stops.txt").read_text().splitlines()
    (folder / "stops.txt").write_text(
        "\n".join(",".join(line.split(",")[:3]) for line in lines) + "\n"
    )  # drop stop_lon
    with pytest.raises(FeedError) as err:
        load_feed(folder)
    assert err.value.field == "stop_lon" and err.value.file.endswith("stops.txt")


def test_bad_number_cell_is_located(tmp_path):
    folder = tmp_path / "feed"
    shutil.copytree(FIXTURES / "line", folder)
    text = (folder / "stops.txt").read_text().replace("B,Mühle,52.018", "B,Mühle,north")
    (folder / "stops.txt").write_text(text)
    with pytest.raises(FeedError) as err:
        load_feed(folder)
    assert err.value.row == 3 and err.value.field == "stop_lat"
    assert "north" in str(err.value)


def test_dates_outside_validity_name_the_range():
    feed = load_feed(FIXTURES / "platforms")
    feed.check_dates([dt.date(2026, 2, 2)])
    with pytest.raises(FeedError, match=r"2026-02-05.*2026-02-02 … 2026-02-04"):
        feed.check_dates([dt.date(2026, 2, 2), dt.date(2026, 2, 5)])
