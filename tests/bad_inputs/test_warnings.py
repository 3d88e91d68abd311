"""Warnings are visible: once on stderr in the CLI, collected for the app's page."""

from __future__ import annotations

import logging

from course_planner.logs import collect_warnings
from course_planner.places import load_places


def test_app_collects_the_warnings_of_a_computation(tmp_path):
    path = tmp_path / "orte.csv"
    path.write_bytes("name,lat,lon\nLügde,51.958,9.247\nNew York,40.7,-74.0\n".encode("cp1252"))
    with collect_warnings() as notes:
        places = load_places(path)
    assert list(places["name"]) == ["Lügde", "New York"]
    assert len(notes) == 2
    first, second = (str(n) for n in notes)
    assert "orte.csv" in first and "Windows-1252" in first
    assert "orte.csv, row 3" in second and "outside Europe" in second
    # kept as catalogue messages: each reader sees them in its own language
    assert "orte.csv, Zeile 3" in notes[1].render("de") and "außerhalb Europas" in notes[1].render(
        "de"
    )
    with collect_warnings() as later:
        logging.getLogger("course_planner.places").info("not a warning")
    assert later == []


def test_cli_prints_each_warning_once_per_run(bench):
    places = bench.tmp / "orte.csv"
    places.write_bytes("name,lat,lon\nDörentrup,51.998,8.800\n".encode("cp1252"))
    scenario = bench.scenario(places=places)
    for _ in range(2):
        err = bench.reach(scenario, status=0)
        assert err.count("course-planner: warning:") == 1 and "orte.csv" in err


def test_warnings_of_another_thread_are_not_collected():
    import threading

    log = logging.getLogger("course_planner.places")
    with collect_warnings() as notes:
        other = threading.Thread(target=log.warning, args=("from another session",))
        other.start()
        other.join()
        log.warning("from this session")
    assert notes == ["from this session"]
