"""Text files: encodings (UTF-8 with or without BOM, Windows-1252 converted with a notice,
anything else refused), separators other than commas, empty and odd CSV files."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from .conftest import TEACHER, feed_files

PLACES = "name,lat,lon,participants\nDörentrup,51.998,8.800,4\nStadtrand,52.0545,8.8005,1\n"


def _places(bench, data: bytes, name: str = "places.csv"):
    path = bench.tmp / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_places_in_utf8_with_or_without_bom(bench, encoding):
    path = _places(bench, PLACES.encode(encoding))
    err = bench.reach(bench.scenario(places=path), status=0)
    assert "warning" not in err
    table = pd.read_csv(bench.out / "reach.csv")
    assert "Dörentrup" in set(table["place"])


def test_places_in_windows_1252_are_converted_with_a_notice(bench):
    path = _places(bench, PLACES.encode("cp1252"))
    err = bench.reach(bench.scenario(places=path), status=0)
    assert "warning:" in err and "places.csv" in err and "Windows-1252" in err
    assert "Dörentrup" in set(pd.read_csv(bench.out / "reach.csv")["place"])


@pytest.mark.parametrize(
    "data, words",
    [
        (codecs.BOM_UTF16_LE + PLACES.encode("utf-16-le"), "UTF-16"),
        (PLACES.replace("Dörentrup", "Дёрентруп Окраина").encode("cp1251"), "Windows-1251"),
        (b"name,lat,lon\n\x00\x01\x02\x03binary", "not text"),
    ],
)
def test_places_in_another_encoding_are_refused(bench, data, words):
    path = _places(bench, data)
    err = bench.reach(bench.scenario(places=path))
    assert "places.csv" in err and words in err and "UTF-8" in err


@pytest.mark.parametrize("sep, words", [(";", "semicolons (;)"), ("\t", "tabs")])
def test_places_separated_by_something_else_are_refused(bench, sep, words):
    path = _places(bench, PLACES.replace(",", sep).encode())
    err = bench.reach(bench.scenario(places=path))
    assert "places.csv, row 1" in err and words in err and "comma" in err


def test_places_with_a_header_and_no_rows(bench):
    path = _places(bench, b"name,lat,lon,participants\n")
    err = bench.reach(bench.scenario(places=path))
    assert "places.csv, row 2" in err and "header but no places" in err


def test_empty_places_file(bench):
    path = _places(bench, b"")
    err = bench.reach(bench.scenario(places=path))
    assert "places.csv" in err and "empty" in err


def test_place_names_with_line_breaks_are_joined_with_a_notice(bench):
    path = _places(bench, b'name,lat,lon\n"D\xc3\xb6ren-\ntrup",51.998,8.800\n')
    err = bench.reach(bench.scenario(places=path), status=0)
    assert "row 2, field 'name'" in err and "line breaks" in err
    assert set(pd.read_csv(bench.out / "reach.csv")["place"]) == {"Dören- trup"}


def test_places_pointing_at_a_zip(bench):
    feed = bench.feed_zip()
    err = bench.reach(bench.scenario(places=feed))
    assert "feed.zip" in err and "zip archive" in err and "places" in err


@pytest.mark.parametrize(
    "lat, lon, words",
    [
        ("0", "0", "placeholder"),
        ("8.800", "51.998", "swapped"),
    ],
)
def test_places_with_impossible_coordinates(bench, lat, lon, words):
    path = _places(bench, f"name,lat,lon\nDorf,51.998,8.8\nNull,{lat},{lon}\n".encode())
    err = bench.reach(bench.scenario(places=path))
    assert "places.csv, row 3, field 'lat'" in err and words in err


def test_scenario_in_latin1_is_read_with_a_notice(bench):
    path = bench.scenario(
        name="latin1.yaml",
        encoding="latin-1",
        sites="[{name: Kursraum Dörentrup, lat: 52.0549, lon: 8.8}]",
    )
    err = bench.reach(path, status=0)
    assert "latin1.yaml" in err and "Windows-1252" in err
    assert set(pd.read_csv(bench.out / "reach.csv")["site"]) == {"Kursraum Dörentrup"}


def test_scenario_in_utf16_is_refused(bench):
    path = bench.scenario(name="utf16.yaml", encoding="utf-16")
    err = bench.reach(path)
    assert "utf16.yaml" in err and "UTF-16" in err


def test_names_file_in_windows_1252_is_read_with_a_notice(bench):
    names = bench.tmp / "names.txt"
    names.write_bytes("Jürgen Müller\nGöksu\n".encode("cp1252"))
    scenario = bench.scenario(extra=f"teacher: {TEACHER}\n")
    err = bench.run(
        "export",
        scenario,
        "--what",
        "tables",
        "--names",
        names,
        "--out",
        bench.out / "export",
        status=0,
    )
    assert "names.txt" in err and "Windows-1252" in err


def test_feed_member_in_windows_1252_is_converted(bench):
    stops = feed_files()["stops.txt"].decode().replace("Mühle", "Mühle Süd")
    folder = bench.feed_dir({"stops.txt": stops.encode("cp1252")})
    err = bench.reach(bench.scenario(folder), status=0)
    assert "stops.txt" in err and "Windows-1252" in err


def test_feed_member_separated_by_tabs(bench):
    trips = feed_files()["trips.txt"].decode().replace(",", "\t")
    path = bench.feed_zip({**feed_files(), "trips.txt": trips.encode()})
    err = bench.reach(bench.scenario(path))
    assert "feed.zip/trips.txt, row 1" in err and "tabs" in err


def test_feed_member_in_utf16(bench):
    path = bench.feed_zip(
        {**feed_files(), "routes.txt": feed_files()["routes.txt"].decode().encode("utf-16")}
    )
    err = bench.reach(bench.scenario(path))
    assert "feed.zip/routes.txt" in err and "UTF-16" in err
