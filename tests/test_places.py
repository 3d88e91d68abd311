"""The places CSV."""

from __future__ import annotations

import pytest

from course_planner.errors import PlacesError
from course_planner.places import load_places


def test_reads_and_adds_participants(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text(
        "\ufeffname,lat,lon,participants,extra\nA,52.0,8.8,3,x\nB,52.1,8.9,,y\n", encoding="utf-8"
    )
    places = load_places(p, {"B": 5})
    assert places["name"].tolist() == ["A", "B"]
    assert places["participants"].tolist() == [3, 5]


@pytest.mark.parametrize(
    ("text", "row", "field"),
    [
        ("name,lat,lon\nA,north,8.8\n", 2, "lat"),
        ("name,lat,lon\nA,52,8.8\nB,52,200\n", 3, "lon"),
        ("name,lat,lon,participants\nA,52,8.8,many\n", 2, "participants"),
        ("name,lat,lon\n,52,8.8\n", 2, "name"),
    ],
)
def test_bad_rows_are_named(tmp_path, text, row, field):
    p = tmp_path / "p.csv"
    p.write_text(text)
    with pytest.raises(PlacesError) as err:
        load_places(p)
    assert err.value.row == row and err.value.field == field


def test_missing_column_and_duplicates_and_unknown_participants(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("name,latitude,lon\nA,52,8.8\n")
    with pytest.raises(PlacesError, match="'lat' is missing"):
        load_places(p)
    p.write_text("name,lat,lon\nA,52,8.8\nA,52,8.9\n")
    with pytest.raises(PlacesError, match="twice"):
        load_places(p)
    p.write_text("name,lat,lon\nA,52,8.8\n")
    with pytest.raises(PlacesError, match="Ahausen"):
        load_places(p, {"Ahausen": 3})
