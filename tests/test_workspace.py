"""Saved scenarios: a folder of plain files; atomic, conflict-checked writes; bundles."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

from course_planner.errors import ScenarioChangedError, WorkspaceError
from course_planner.scenario import Scenario, load_scenario, scenario_data
from course_planner.workspace import Workspace, bundle, default_root, safe_name

SCENARIOS = REPO / "scenarios"


def _files(scenario: Scenario) -> dict[str, bytes]:
    """Feed and places contents of a scenario, by file name within them."""
    out = {}
    for key in ("feed", "places"):
        path = getattr(scenario, key)
        if isinstance(path, str):
            out[key] = path.encode()
        elif path.is_dir():
            out |= {
                f"{key}/{f.relative_to(path)}": f.read_bytes()
                for f in sorted(path.rglob("*"))
                if f.is_file()
            }
        else:
            out[key] = path.read_bytes()
    return out


def _same(a: Scenario, b: Scenario) -> None:
    fields = set(Scenario.model_fields) - {"feed", "places", "source_file"}
    assert a.model_dump(include=fields) == b.model_dump(include=fields)
    assert _files(a) == _files(b)


def test_default_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_PLANNER_WORKSPACE", str(tmp_path / "ws"))
    assert default_root() == tmp_path / "ws"
    monkeypatch.delenv("COURSE_PLANNER_WORKSPACE")
    assert default_root() == Path.home() / "Kursplaner"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../x.zip", "x.zip"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\böse.csv", "böse.csv"),
        ("Südlippe Herbst", "Südlippe Herbst"),
        ("..", ""),
        ("a\nb", "ab"),
        (".hidden", "hidden"),
    ],
)
def test_safe_name_keeps_only_a_basename(raw, clean):
    assert safe_name(raw) == clean


def test_save_list_open_duplicate_rename_delete(tmp_path):
    ws = Workspace(tmp_path / "ws")
    assert ws.scenarios() == []
    data = scenario_data(SCENARIOS / "lippe-2026.yaml")
    saved = ws.save("Südlippe", data, SCENARIOS)
    assert [s.name for s in ws.scenarios()] == ["Südlippe"]
    opened, version = ws.open("Südlippe")
    assert opened["name"] == data["name"]
    assert version.version == saved.version
    _same(load_scenario(SCENARIOS / "lippe-2026.yaml"), load_scenario(saved.file))
    ws.duplicate("Südlippe", "Kopie")
    ws.rename("Kopie", "Nordlippe")
    assert [s.name for s in ws.scenarios()] == ["Nordlippe", "Südlippe"]
    with pytest.raises(WorkspaceError, match="exists already"):
        ws.rename("Nordlippe", "Südlippe")
    ws.delete("Nordlippe")
    assert [s.name for s in ws.scenarios()] == ["Südlippe"]
    with pytest.raises(WorkspaceError, match="no saved scenario"):
        ws.open("Nordlippe")
    assert not [p for p in (tmp_path / "ws").iterdir() if p.name.startswith(".tmp")]


def test_a_new_scenario_never_overwrites_one_with_the_same_name(tmp_path):
    ws = Workspace(tmp_path)
    data = scenario_data(SCENARIOS / "lippe-2026.yaml")
    ws.save("A", data, SCENARIOS)
    with pytest.raises(WorkspaceError, match="exists already"):
        ws.save("A", dict(data, name="other"), SCENARIOS)
    assert ws.open("A")[0]["name"] == data["name"]


def test_two_tabs_do_not_clobber_each_other(tmp_path):
    ws = Workspace(tmp_path)
    data = scenario_data(SCENARIOS / "lippe-2026.yaml")
    ws.save("A", data, SCENARIOS)
    tab1, v1 = ws.open("A")
    tab2, v2 = ws.open("A")
    folder = v1.folder
    ws.save("A", dict(tab1, name="Tab eins"), folder, version=v1.version)
    with pytest.raises(ScenarioChangedError, match="changed elsewhere"):
        ws.save("A", dict(tab2, name="Tab zwei"), folder, version=v2.version)
    assert ws.open("A")[0]["name"] == "Tab eins"
    # opened again, the second tab may save
    again, v3 = ws.open("A")
    ws.save("A", dict(again, name="Tab zwei"), folder, version=v3.version)
    assert ws.open("A")[0]["name"] == "Tab zwei"


def test_uploaded_files_are_copied_in_and_paths_stay_relative(tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    places = uploads / "orte.csv"
    places.write_bytes((REPO / "gtfs_data" / "lippe-places.csv").read_bytes())
    data = scenario_data(SCENARIOS / "lippe-2026.yaml")
    data["places"] = str(places)
    ws = Workspace(tmp_path / "ws")
    saved = ws.save("Mit Upload", data, SCENARIOS, copy_from=(uploads,))
    written, _ = ws.open("Mit Upload")
    assert written["places"] == "orte.csv"
    assert Path(written["feed"]).is_absolute()  # shipped data stays where it is
    places.unlink()  # the upload folder goes with the browser session
    assert load_scenario(saved.file).places == saved.folder / "orte.csv"


@pytest.mark.parametrize(
    "name", ["lippe-2026.yaml", "vpe-keltern-2025.yaml", "lippe-2026-integrationskurs-700ue.yaml"]
)
def test_bundle_round_trip_gives_an_identical_scenario(tmp_path, name):
    ws = Workspace(tmp_path / "ws")
    ws.save("Original", scenario_data(SCENARIOS / name), SCENARIOS)
    content = ws.export_bundle("Original")
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        text = z.read("scenario.yaml").decode()
        assert str(REPO) not in text  # self-contained: no server paths
    imported = ws.import_bundle(content, "Zurück")
    _same(load_scenario(SCENARIOS / name), load_scenario(imported.file))
    # and a bundle of the bundle is the same bundle
    assert bundle(*_opened(ws, "Zurück")) == content


def _opened(ws: Workspace, name: str):
    data, saved = ws.open(name)
    return data, saved.folder


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not a zip", "not a zip file"),
        (_zip({"x.txt": b"x"}), "has no scenario.yaml"),
        (_zip({"scenario.yaml": b"name: x", "../../evil.txt": b"x"}), "points outside"),
        (_zip({"scenario.yaml": b"name: x", "big.txt": b"0" * 5_000_000}), "ratio over"),
    ],
)
def test_a_bad_bundle_is_refused_and_leaves_nothing(tmp_path, content, words):
    ws = Workspace(tmp_path / "ws")
    with pytest.raises(WorkspaceError, match=words):
        ws.import_bundle(content, "Kaputt")
    assert ws.scenarios() == []
    assert not (tmp_path / "evil.txt").exists()
    assert not list((tmp_path / "ws").iterdir())


def test_drafts_keep_a_tab_and_never_another_one(tmp_path):
    import os

    from course_planner.workspace import Draft

    ws = Workspace(tmp_path / "ws")
    one, two = "a" * 32, "b" * 32
    draft = Draft({"name": "Kurs", "course": {"start": "09:00"}}, "/x", "lippe.yaml", None, True)
    ws.save_draft(one, draft)
    assert ws.open_draft(one) == draft
    assert ws.open_draft(two) is None
    assert ws.scenarios() == []  # drafts are not saved scenarios
    for bad in (None, "", "../../etc/passwd", "A" * 32):
        assert ws.open_draft(bad) is None
    with pytest.raises(ValueError):
        ws.save_draft("../evil", draft)
    # a damaged draft is dropped, not an error
    (tmp_path / "ws" / ".entwuerfe" / f"{two}.json").write_text("{not json", encoding="utf-8")
    assert ws.open_draft(two) is None
    # old drafts and their uploads go; recent ones stay
    ws.upload_folder(one).joinpath("feed.zip").write_bytes(b"zip")
    old = (tmp_path / "ws" / ".entwuerfe" / f"{one}.json").stat().st_mtime - 40 * 86400
    os.utime(tmp_path / "ws" / ".entwuerfe" / f"{one}.json", (old, old))
    assert ws.prune_drafts() == [one]
    assert ws.open_draft(one) is None and not (tmp_path / "ws" / ".uploads" / one).exists()
