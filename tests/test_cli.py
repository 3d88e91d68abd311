"""The course-planner command."""

from __future__ import annotations

import pandas as pd
from conftest import FIXTURES

from course_planner.cli import main
from course_planner.transit.reachability import REACH_COLUMNS

SCENARIO = f"""\
name: CLI test
feed: {FIXTURES / "line"}
places: {FIXTURES / "line" / "places.csv"}
sites: [{{name: Kursraum, lat: 52.0549, lon: 8.8}}]
course: {{start_date: 2026-02-02, end_date: 2026-02-13, weekdays: [mon, fri],
          start: "08:30", end: "12:00"}}
"""


def test_reach_writes_the_table(tmp_path, capsys):
    sc = tmp_path / "s.yaml"
    sc.write_text(SCENARIO)
    out = tmp_path / "out" / "reach.csv"
    assert main(["reach", str(sc), "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns) == REACH_COLUMNS
    assert len(table) == 3 * 4
    dorf = table[(table["place"] == "Dorf") & (table["date"] == "2026-02-02")].iloc[0]
    assert dorf["reachable"] == "True" and dorf["depart_home"] == "07:26"
    far = table[table["place"] == "Fernhof"].iloc[0]
    assert far["depart_home"] == "" and far["reason"] == "no_stop_nearby"
    assert "CLI test" in capsys.readouterr().out


def test_bad_scenario_exits_2_with_one_message(tmp_path, capsys):
    sc = tmp_path / "s.yaml"
    sc.write_text(SCENARIO.replace("sites:", "sitez:"))
    out = tmp_path / "reach.csv"
    assert main(["reach", str(sc), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("course-planner: error:") and "sitez" in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert not out.exists()


def test_bad_feed_exits_2(tmp_path, capsys):
    sc = tmp_path / "s.yaml"
    sc.write_text(
        SCENARIO.replace(str(FIXTURES / "line") + "\n", str(FIXTURES / "broken_dangling") + "\n", 1)
    )
    assert main(["reach", str(sc), "--out", str(tmp_path / "r.csv")]) == 2
    assert "stop_times.txt, row 7, field 'stop_id'" in capsys.readouterr().err


def test_existing_output_survives_a_failed_run(tmp_path):
    sc = tmp_path / "s.yaml"
    sc.write_text(SCENARIO.replace("2026-02-13", "2027-02-13"))  # outside the feed
    out = tmp_path / "reach.csv"
    out.write_text("precious\n")
    assert main(["reach", str(sc), "--out", str(out)]) == 2
    assert out.read_text() == "precious\n"


ROTATION = SCENARIO.replace(
    "sites: [{name: Kursraum, lat: 52.0549, lon: 8.8}]",
    "sites: [{name: Nord, lat: 52.0, lon: 8.8, participants: 5},\n"
    "        {name: Süd, lat: 51.9, lon: 8.8, participants: 3, available_weekdays: [tue],\n"
    "         label: Süd nur dienstags}]\n"
    "teacher: {base: {name: Zentrale, lat: 51.95, lon: 8.8}}\n"
    "rotation: {max_wait: {sessions: 2, label: spätestens jede 3. Sitzung}}",
)


def test_plan_writes_plan_and_kpis(tmp_path, capsys):
    sc = tmp_path / "s.yaml"
    sc.write_text(
        ROTATION.replace("available_weekdays: [tue],\n", "\n").replace(
            "         label: Süd nur dienstags}", "         label: egal}"
        )
    )
    out, kpis = tmp_path / "plan.csv", tmp_path / "kpis.json"
    assert main(["plan", str(sc), "--out", str(out), "--kpis", str(kpis)]) == 0
    plan = pd.read_csv(out, dtype=str)
    assert list(plan.columns) == [
        "date",
        "weekday",
        "start",
        "end",
        "ue",
        "teacher_site",
        "Nord",
        "Süd",
    ]
    assert set(plan["Nord"]) <= {"präsenz", "online"}
    assert ((plan["Nord"] == "präsenz") == (plan["teacher_site"] == "Nord")).all()
    import json

    data = json.loads(kpis.read_text(encoding="utf-8"))
    assert data["sessions"] == len(plan) and data["proven_optimal"] is True
    assert "proven optimal" in capsys.readouterr().out


def test_impossible_plan_exits_2_naming_the_rules(tmp_path, capsys):
    sc = tmp_path / "s.yaml"
    sc.write_text(ROTATION)
    out = tmp_path / "plan.csv"
    assert main(["plan", str(sc), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "„Süd nur dienstags“" in err and "„spätestens jede 3. Sitzung“" in err
    assert "Traceback" not in err and not out.exists()


def test_compare_side_by_side(tmp_path, capsys):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(ROTATION.replace("available_weekdays: [tue],\n", "\n"))
    b.write_text(ROTATION)
    out = tmp_path / "cmp.csv"
    assert main(["compare", str(a), str(b), "--out", str(out)]) == 0
    table = pd.read_csv(out, index_col="kpi")
    assert list(table.columns) == ["a", "b"]
    assert table.at["Nord: in_person_sessions", "a"] != ""
    assert "Süd nur dienstags" in table.at["no_plan", "b"]
