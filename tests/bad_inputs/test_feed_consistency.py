"""Feed consistency: duplicate ids, impossible coordinates, reversed calendar ranges."""

from __future__ import annotations

import pytest

from .conftest import feed_files


def _with(file: str, text_change) -> dict[str, bytes]:
    files = feed_files()
    files[file] = text_change(files[file].decode()).encode()
    return files


def _append(file: str, line: str):
    return _with(file, lambda text: text.rstrip("\n") + "\n" + line + "\n")


@pytest.mark.parametrize(
    "file, line, words",
    [
        (
            "stops.txt",
            "B,Mühle (Kopie),52.018,8.801",
            "stop_id 'B' is defined twice (rows 3 and 6)",
        ),
        ("trips.txt", "r9,WK,T1,Doppelt", "trip_id 'T1' is defined twice (rows 2 and 9)"),
        ("routes.txt", "r1,ag,702,Doppelt,3", "route_id 'r1' is defined twice (rows 2 and 5)"),
        (
            "calendar.txt",
            "WK,0,0,0,0,0,0,1,20260101,20261231",
            "service_id 'WK' is defined twice (rows 2 and 4)",
        ),
        (
            "calendar_dates.txt",
            "WK,20260406,1",
            "service_id 'WK' / date '20260406' is defined twice (rows 2 and 4)",
        ),
    ],
)
def test_duplicate_ids_are_errors_naming_file_and_row(bench, file, line, words):
    feed = bench.feed_dir(_append(file, line))
    err = bench.reach(bench.scenario(feed))
    assert f"{file}, row" in err and words in err


def test_repeated_calendar_exception_is_only_a_warning(bench):
    feed = bench.feed_dir(_append("calendar_dates.txt", "WK,20260406,2"))
    err = bench.reach(bench.scenario(feed), status=0)
    assert "calendar_dates.txt, row 4" in err and "warning:" in err and "repeats" in err


@pytest.mark.parametrize(
    "coords, words",
    [
        ("0,0", "0,0 is a placeholder"),
        ("0.0,0.0", "0,0 is a placeholder"),
        ("8.800,52.018", "latitude and longitude look swapped"),
        ("95,8.8", "latitude must lie within -90..90"),
    ],
)
def test_served_stop_with_impossible_coordinate_is_an_error(bench, coords, words):
    feed = bench.feed_dir(_with("stops.txt", lambda t: t.replace("52.018,8.800", coords)))
    err = bench.reach(bench.scenario(feed))
    assert "stops.txt, row 3, field 'stop_lat'" in err and "stop 'B'" in err and words in err


def test_stop_outside_europe_or_unserved_is_a_warning(bench):
    files = _append("stops.txt", "Z,Nirgendwo,0,0")
    files = {**files, "stops.txt": files["stops.txt"].replace(b"52.036,8.800", b"40.7,-74.0")}
    feed = bench.feed_dir(files)
    err = bench.reach(bench.scenario(feed), status=0)
    assert "stops.txt, row 4: stop 'C'" in err and "outside Europe" in err
    assert "stops.txt, row 6: stop 'Z'" in err and "not served by any trip" in err


def test_reversed_calendar_range(bench):
    feed = bench.feed_dir(
        _with(
            "calendar.txt",
            lambda t: t.replace(
                "WK,1,1,1,1,1,0,0,20260101,20261231", "WK,1,1,1,1,1,0,0,20261231,20260101"
            ),
        )
    )
    err = bench.reach(bench.scenario(feed))
    assert (
        "calendar.txt, row 2, field 'end_date'" in err
        and "ends (20260101) before it starts (20261231)" in err
        and "Swap" in err
    )


def test_calendar_date_that_is_not_a_date(bench):
    feed = bench.feed_dir(_with("calendar.txt", lambda t: t.replace("20261231", "2026-12-31", 1)))
    err = bench.reach(bench.scenario(feed))
    assert "calendar.txt, row 2, field 'end_date'" in err and "YYYYMMDD" in err


def test_row_with_too_many_fields_is_named(bench):
    feed = bench.feed_dir(_append("routes.txt", "r5,ag,705,Mit, Komma,3"))
    err = bench.reach(bench.scenario(feed))
    assert "routes.txt, row 5" in err and "Expected 5 fields" in err and "commas" in err


def test_cell_that_is_not_a_number_is_named(bench):
    feed = bench.feed_dir(
        _with(
            "stop_times.txt",
            lambda t: t.replace("T1,07:40:00,07:40:00,B,2", "T1,07:40:00,07:40:00,B,zwei"),
        )
    )
    err = bench.reach(bench.scenario(feed))
    assert "stop_times.txt, row 3, field 'stop_sequence'" in err and "'zwei' is not a number" in err
