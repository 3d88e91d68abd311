"""The maps of Erreichbarkeit and Standortwahl: a label for every point, the legend in the
page's words, rooms drawn as rings."""

from __future__ import annotations

import pandas as pd

from course_planner.ui.maps import place_map

LEGEND = {"reachable": "erreichbar", "unreachable": "nicht erreichbar", "room": "Kursraum"}


def points() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Lügde", "Lage", "Schlangen"],
            "lat": [51.95, 51.99, 51.81],
            "lon": [9.25, 8.80, 8.84],
            "kind": ["unreachable", "reachable", "room"],
            "info": ["keine Verbindung hin · zurück 14:21", "ab zu Hause 07:40", "Kursraum"],
        }
    )


def layers(spec: dict) -> list[dict]:
    return spec["layer"]


def test_every_point_is_labelled_and_the_legend_speaks_the_page_language():
    chart = place_map(points(), LEGEND)
    spec = chart.to_dict()
    texts = [layer for layer in layers(spec) if layer["mark"]["type"] == "text"]
    labelled = set()
    for layer in texts:
        rows = spec["datasets"][layer["data"]["name"]]
        labelled |= {row["name"] for row in rows}
    assert labelled == {"Lügde", "Lage", "Schlangen"}
    colour = layers(spec)[0]["encoding"]["color"]["scale"]
    assert colour["domain"] == ["erreichbar", "nicht erreichbar", "Kursraum"]
    # rooms are rings (filtered by ``ring``), places dots
    rings, dots = layers(spec)[0], layers(spec)[1]
    assert rings["mark"]["filled"] is False and rings["transform"] == [{"filter": "datum.ring"}]
    assert dots["mark"]["type"] == "circle"


def test_only_the_asked_kinds_get_a_label():
    chart = place_map(points(), LEGEND, label_kinds=["room"])
    spec = chart.to_dict()
    labelled = {
        row["name"]
        for layer in layers(spec)
        if layer["mark"]["type"] == "text"
        for row in spec["datasets"][layer["data"]["name"]]
    }
    assert labelled == {"Schlangen"}
