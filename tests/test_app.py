"""The Streamlit app through AppTest: every page, widgets that change results, bad input."""

from __future__ import annotations

import pytest
import yaml
from conftest import REPO
from streamlit.testing.v1 import AppTest

from course_planner.scenario import scenario_data, scenario_yaml
from course_planner.transit.provenance import feed_source

APP = str(REPO / "app.py")
PAGES = "course_planner/ui/"
ALL_PAGES = [
    "scenario_page.py",
    "reach_page.py",
    "rotation_page.py",
    "siting_page.py",
    "compare_page.py",
    "export_page.py",
]
RAW = {
    "None",
    "nan",
    "NaN",
    "<NA>",
    "NaT",
    "ok",
    "no_service",
    "no_stop_nearby",
    "no_outbound",
    "outbound_too_long",
    "no_return",
    "return_too_long",
    "depart_home",
    "outbound_min",
    "reason",
    "place",
    "site",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
}
SHIPPED = sorted(p.name for p in (REPO / "scenarios").glob("*.yaml"))


@pytest.fixture(autouse=True)
def _workspace(tmp_path, monkeypatch):
    """Saved scenarios go to a folder of the test, never the user's home."""
    monkeypatch.setenv("COURSE_PLANNER_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.setenv("COURSE_PLANNER_PREFETCH", "0")  # no background work in tests


def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception
    return at


def key(at: AppTest, name: str) -> str:
    """The key of a form widget of the scenario's current revision."""
    return f"{name}_{at.session_state.scenario_rev}"


def submit(at: AppTest) -> AppTest:
    rev = at.session_state.scenario_rev
    return at.button(key=f"FormSubmitter:scenario_form_{rev}-Übernehmen").click().run()


def load(at: AppTest, name: str) -> AppTest:
    at.selectbox(key="shipped_choice").set_value(name)
    return at.button(key="load_shipped").click().run()


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(PAGES + name).run()
    assert not at.exception, at.exception
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_default_scenario_loads():
    at = app()
    assert not errors(at)
    assert any("Südlippe 2026" in s.value for s in at.success)
    assert at.selectbox(key="shipped_choice").value == "lippe-2026.yaml"


def test_english_switch():
    at = app()
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "Scenario"


def test_form_error_is_shown_at_its_field_and_nothing_is_lost():
    at = app()
    at.text_input(key=key(at, "f_start")).set_value("8h30")
    submit(at)
    assert any("course.start" in e and "HH:MM" in e for e in errors(at))
    # the scenario itself is unchanged and still valid
    assert at.session_state.scenario_data["course"]["start"] == "08:30"


def test_yaml_editor_rejects_bad_yaml_and_bad_feed(tmp_path):
    at = app()
    at.text_area(key=key(at, "f_yaml")).set_value("name: [unclosed\n")
    at.button(key="apply_yaml").click().run()
    assert any("YAML" in e for e in errors(at))
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    text = scenario_yaml(at.session_state.scenario_data)
    feed_line = next(line for line in text.splitlines() if line.startswith("feed:"))
    at.text_area(key=key(at, "f_yaml")).set_value(text.replace(feed_line, f"feed: {broken}"))
    at.button(key="apply_yaml").click().run()
    assert not at.exception
    # the bad feed is only found when it is read: the reach page says so in words
    page(at, "reach_page.py")
    assert any("not a zip file" in e for e in errors(at))
    assert not any(str(tmp_path) in e for e in errors(at))  # the file's name, not its path


def test_reach_page_start_time_changes_the_result():
    at = page(app(), "reach_page.py")
    assert not errors(at)
    before = metric(at, "Orte erreichbar")
    at.select_slider(key="reach_start").set_value(10 * 3600).run()
    after = metric(at, "Orte erreichbar")
    assert before != after
    assert len(at.dataframe) >= 3  # unreachable places, journey there, journey back


def test_reach_page_journeys_of_a_place():
    at = page(app(), "reach_page.py")
    at.selectbox(key="reach_room").set_value("Horn-Bad Meinberg")
    at.selectbox(key="reach_place").set_value("Detmold").run()
    there = at.dataframe[-2].value
    assert "780" in set(there["Linie"])


def test_rotation_page_solves_and_shows_the_calendar():
    at = page(app(), "rotation_page.py")
    at.button(key="solve").click().run()
    assert not errors(at)
    assert {"Augustdorf", "Horn-Bad Meinberg", "Schlangen"} <= {m.label for m in at.metric}
    assert any("beweisbar optimal" in s.value for s in at.success)


def test_rotation_page_explains_an_impossible_scenario():
    at = load(app(), "lippe-2026-impossible.yaml")
    page(at, "rotation_page.py")
    at.button(key="solve").click().run()
    assert any("Kein Plan möglich" in e for e in errors(at))
    assert any("Raum Schlangen nur dienstags" in m.value for m in at.markdown)


@pytest.mark.parametrize("name", ["compare_page.py", "export_page.py"])
def test_other_pages_render(name):
    at = page(app(), name)
    assert not errors(at)
    if name == "compare_page.py":
        assert len(at.dataframe) == 2  # KPIs and the differences


def test_siting_page_chooses_rooms():
    at = page(app(), "siting_page.py")
    at.button(key="choose_sites").click().run()
    assert not errors(at)
    assert any("Horn-Bad Meinberg" in s.value and "/ 53" in s.value for s in at.success)
    assert len(at.dataframe) == 2  # assignment and the unreachable report


def test_export_page_offers_handouts_in_every_language():
    at = page(app(), "export_page.py")
    assert not errors(at)
    for lang in ("ar", "fa", "uk"):
        at.selectbox(key="handout_lang").set_value(lang).run()
        assert not at.exception and not errors(at)
    assert "Detmold" in at.selectbox(key="handout_place").options


def test_every_text_the_pages_use_is_in_the_catalogue_in_both_languages():
    import re

    from course_planner.ui.texts import TEXTS

    used = set()
    for f in [REPO / "app.py", *(REPO / "course_planner" / "ui").glob("*.py")]:
        used |= set(re.findall(r"\bt\(\"(\w+)\"\)", f.read_text(encoding="utf-8")))
    assert used, "the pattern finds the texts"
    assert used <= set(TEXTS), sorted(used - set(TEXTS))
    assert all(de and en for de, en in TEXTS.values())


# ------------------------------------------------------------------ state that cannot lie


def test_load_then_apply_without_edits_leaves_the_loaded_scenario_unchanged():
    at = app()
    load(at, "lippe-2026-strict-rotation.yaml")
    load(at, "vpe-keltern-2025.yaml")
    expected = scenario_data(REPO / "scenarios" / "vpe-keltern-2025.yaml")
    assert at.session_state.scenario_data == expected
    # the form and the YAML editor show the loaded scenario, not the one before
    assert at.multiselect(key=key(at, "f_weekdays")).value == ["tue", "thu"]
    assert str(at.date_input(key=key(at, "f_start_date")).value) == "2025-03-03"
    assert yaml.safe_load(at.text_area(key=key(at, "f_yaml")).value) == yaml.safe_load(
        scenario_yaml(expected)
    )
    submit(at)
    assert not errors(at)
    assert at.session_state.scenario_data == expected
    at.button(key="apply_yaml").click().run()
    assert at.session_state.scenario_data == expected


def test_a_form_edit_then_a_yaml_edit_keeps_both():
    at = app()
    at.text_input(key=key(at, "f_start")).set_value("09:00")
    at.text_input(key=key(at, "f_end")).set_value("12:30")
    submit(at)
    assert not errors(at)
    text = at.text_area(key=key(at, "f_yaml")).value
    assert "09:00" in text  # the YAML editor shows the applied form edit
    data = yaml.safe_load(text)
    data["name"] = "Mit zwei Änderungen"
    at.text_area(key=key(at, "f_yaml")).set_value(scenario_yaml(data)).run()
    at.button(key="apply_yaml").click().run()
    assert not errors(at)
    current = at.session_state.scenario_data
    assert current["name"] == "Mit zwei Änderungen"
    assert current["course"]["start"] == "09:00"
    assert current["course"]["end"] == "12:30"
    assert at.text_input(key=key(at, "f_start")).value == "09:00"


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_opens_every_page(name):
    """One AppTest per scenario, switching through every page: no error, no exception,
    no raw code, and every page names the active scenario."""
    at = load(app(), name)
    title = at.session_state.scenario_data["name"]
    feed = feed_source(REPO / "scenarios" / at.session_state.scenario_data["feed"])
    for p in ALL_PAGES:
        page(at, p)
        assert not errors(at), (name, p, errors(at))
        assert any(title in c.value for c in at.caption), (name, p)
        if p in ("scenario_page.py", "reach_page.py", "siting_page.py", "export_page.py"):
            # results on it: where the timetable comes from, and "not official" where the
            # feed says so
            notes = [c.value for c in at.caption if c.value.startswith("Fahrplan: ")]
            assert len(notes) == 1 and feed.name in notes[0], (name, p, notes)
            assert ("kein amtlicher Fahrplan" in notes[0]) == (feed.official is False)
        shown = " ".join(m.value for m in [*at.markdown, *at.caption, *at.success, *at.info])
        for raw in ("outbound_too_long", "no_outbound", "depart_home", "None", "nan"):
            assert raw not in shown.split(), (name, p, raw)
        for frame in at.dataframe if p != "scenario_page.py" else []:  # (the rooms
            # editor shows an empty cell for no number)
            cells = {str(v) for v in frame.value.to_numpy().ravel()} | {
                str(c) for c in frame.value.columns
            }
            assert not cells & RAW, (name, p, cells & RAW)


# ------------------------------------------------------------------ saved work


def test_save_reopen_and_compare_saved_scenarios(tmp_path):
    at = app()
    at.text_input(key=key(at, "save_name")).set_value("Mein Kurs")
    at.button(key="save_as").click().run()
    assert not errors(at)
    assert (tmp_path / "workspace" / "Mein Kurs" / "scenario.yaml").is_file()
    assert at.session_state.scenario_saved[0] == "Mein Kurs"
    # a new session (a reload) opens it again from the address
    again = AppTest.from_file(APP, default_timeout=300)
    again.query_params["szenario"] = "Mein Kurs"
    again.run()
    assert again.session_state.scenario_saved[0] == "Mein Kurs"
    assert any("Mein Kurs" in c.value for c in again.caption)
    page(again, "compare_page.py")
    assert "Mein Kurs (Gespeicherte Szenarien)" in again.multiselect(key="compare_pick").options


def test_a_save_over_a_scenario_changed_elsewhere_is_refused(tmp_path):
    at = app()
    at.text_input(key=key(at, "save_name")).set_value("Geteilt")
    at.button(key="save_as").click().run()
    saved = tmp_path / "workspace" / "Geteilt" / "scenario.yaml"
    saved.write_text(
        saved.read_text(encoding="utf-8").replace("Südlippe", "Anderer Tab"), encoding="utf-8"
    )
    before = saved.read_bytes()
    at.text_input(key=key(at, "f_start")).set_value("09:00")
    submit(at)
    at.button(key="save").click().run()
    assert any("anderswo geändert" in e for e in errors(at))
    assert saved.read_bytes() == before


def test_the_caches_keep_all_stops_a_keyword():
    """The caches rebuild the scenario from JSON: `places: all_stops` must stay the keyword
    (it became a path named all_stops, and three pages failed on the VPE scenario)."""
    from course_planner.scenario import Scenario, load_scenario

    vpe = load_scenario(REPO / "scenarios" / "vpe-keltern-2025.yaml")
    again = Scenario.model_validate_json(vpe.model_dump_json())
    assert again.uses_all_stops and again == vpe
    lippe = load_scenario(REPO / "scenarios" / "lippe-2026.yaml")
    assert Scenario.model_validate_json(lippe.model_dump_json()) == lippe


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (
            "/srv/app/scenarios/a.yaml, field 'feed': the feed /tmp/k/upload-1/x.zip does not "
            "exist.",
            "a.yaml, field 'feed': the feed x.zip does not exist.",
        ),
        ("C:\\Users\\x\\orte.csv, row 3: bad", "orte.csv, row 3: bad"),
        (
            "Beginn 08:30 / Ende 12:00 (siehe gtfs_data/README.md)",
            "Beginn 08:30 / Ende 12:00 (siehe gtfs_data/README.md)",
        ),
    ],
)
def test_messages_show_file_names_not_server_paths(raw, shown):
    from course_planner.ui.state import public

    assert public(raw) == shown


def test_the_workspace_flag_wins_over_the_environment(monkeypatch, tmp_path):
    from course_planner.ui.state import workspace

    monkeypatch.setattr("sys.argv", ["app.py", "--workspace", str(tmp_path / "flag")])
    assert workspace().root == tmp_path / "flag"
    monkeypatch.setattr("sys.argv", ["app.py", f"--workspace={tmp_path / 'eq'}"])
    assert workspace().root == tmp_path / "eq"
    monkeypatch.setattr("sys.argv", ["app.py"])
    assert workspace().root == tmp_path / "workspace"  # COURSE_PLANNER_WORKSPACE (fixture)


def test_duplicate_rename_and_delete_saved_scenarios(tmp_path):
    at = app()
    at.text_input(key=key(at, "save_name")).set_value("Eins")
    at.button(key="save_as").click().run()
    at.text_input(key="saved_new_name").set_value("Zwei")
    at.button(key="duplicate_saved").click().run()
    ws = tmp_path / "workspace"

    def saved() -> list[str]:  # (the tabs' drafts live in a hidden folder beside them)
        return sorted(p.name for p in ws.iterdir() if not p.name.startswith("."))

    assert saved() == ["Eins", "Zwei"]
    at.selectbox(key="saved_choice").set_value("Eins")
    at.text_input(key="saved_new_name").set_value("Drei")
    at.button(key="rename_saved").click().run()
    assert saved() == ["Drei", "Zwei"]
    assert at.session_state.scenario_saved[0] == "Drei"  # the open one follows its name
    at.selectbox(key="saved_choice").set_value("Drei")
    at.checkbox(key="confirm_delete").check().run()
    at.button(key="delete_saved").click().run()
    assert saved() == ["Zwei"]
    assert not errors(at)
    assert at.session_state.scenario_saved is None  # back on the default template
    assert at.session_state.scenario_file == "lippe-2026.yaml"


# --------------------------------------------------------------------------- bad input


def _with_feed(at: AppTest, feed) -> AppTest:
    """Point the active scenario at another feed through the YAML editor."""
    text = scenario_yaml(at.session_state.scenario_data)
    feed_line = next(line for line in text.splitlines() if line.startswith("feed:"))
    at.text_area(key=key(at, "f_yaml")).set_value(text.replace(feed_line, f"feed: {feed}"))
    at.button(key="apply_yaml").click().run()
    assert not at.exception
    return at


def test_feed_warnings_are_shown_on_the_page(tmp_path):
    """A kind of bad input that only warns (an unserved stop at 0,0) reaches the page in
    words, with the file's name and not the server's folder."""
    import shutil

    feed = tmp_path / "feed"
    shutil.copytree(REPO / "gtfs_data" / "lippe-nwl-2019-reconstructed", feed)
    with (feed / "stops.txt").open("a", encoding="utf-8") as fh:
        fh.write("nirgends,,Nirgendwo,,0,0\n")
    at = _with_feed(app(), feed)
    page(at, "reach_page.py")
    warnings = [w.value for w in at.warning]
    assert any("stops.txt" in w and "Zeile" in w and "Platzhalter" in w for w in warnings), warnings
    assert not any(str(tmp_path) in w for w in warnings)
    assert not errors(at)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "not a zip file"),  # a broken archive
        ("zip-traversal", "../"),  # a member that would land outside the folder
        ("zip-bomb", "ratio"),  # refused before anything is unpacked
    ],
)
def test_bad_feeds_get_the_clis_message_in_the_app(tmp_path, content, words):
    import zipfile

    feed = tmp_path / "feed.zip"
    if content is None:
        feed.write_bytes(b"not a zip")
    else:
        src = REPO / "tests" / "fixtures" / "line"
        with zipfile.ZipFile(feed, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in src.glob("*.txt"):
                zf.write(f, f.name)
            if content == "zip-traversal":
                zf.writestr("../../x.txt", "x")
            else:
                zf.writestr("shapes.txt", "shape_id\n" + "a\n" * 2_000_000)
    at = _with_feed(app(), feed)
    page(at, "reach_page.py")
    shown = errors(at)
    assert any(words in e for e in shown), shown
    assert not any("Unerwarteter Fehler" in e for e in shown)
    assert not any(str(tmp_path) in e for e in shown)


def test_reach_map_legend_in_the_page_language():
    import json

    at = app()
    page(at, "reach_page.py")
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "nicht erreichbar" in spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
    at.sidebar.radio[0].set_value("en").run()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "not reachable" in spec["layer"][0]["encoding"]["color"]["scale"]["domain"]


def test_a_reload_keeps_unsaved_edits_of_this_tab_only():
    at = app()
    at.text_input(key=key(at, "f_start")).set_value("09:00")
    submit(at)
    draft = at.query_params["entwurf"]
    draft = draft[0] if isinstance(draft, list) else draft
    assert at.session_state.scenario_edited
    # the reload: a new session with the same address
    again = AppTest.from_file(APP, default_timeout=300)
    again.query_params["entwurf"] = draft
    again.run()
    assert again.session_state.scenario_data["course"]["start"] == "09:00"
    assert any("ungespeicherten Änderungen" in i.value for i in again.info)
    assert any("ungespeicherte Änderungen" in c.value for c in again.caption)
    # another tab (no id in its address) opens the template as shipped
    other = app()
    assert other.session_state.scenario_data["course"]["start"] == "08:30"
    assert other.query_params["entwurf"] != at.query_params["entwurf"]
    # saving ends the draft's "unsaved" state
    again.text_input(key=key(again, "save_name")).set_value("Neun Uhr")
    again.button(key="save_as").click().run()
    assert not again.session_state.scenario_edited


def test_reach_page_shows_who_comes_only_with_a_booked_ride():
    """The `flex` feed: Weiler is served only by bus 726's booked stop."""
    import json

    flex = REPO / "tests" / "fixtures" / "flex"
    text = (
        f"name: Rufbus-Test\nfeed: {flex}\nplaces: {flex / 'places.csv'}\n"
        "sites: [{name: Kursraum, lat: 52.0549, lon: 8.8}]\n"
        "course: {start_date: 2026-03-02, end_date: 2026-03-02, weekdays: [mon],"
        " start: '08:10', end: '12:20'}\n"
        "on_demand_routes: {booking: {by: '22:00', days_before: 1, phone: 05261 654321}}\n"
    )
    at = app()
    at.text_area(key=key(at, "f_yaml")).set_value(text)
    at.button(key="apply_yaml").click().run()
    assert not errors(at)
    page(at, "reach_page.py")
    assert not errors(at)
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "nur mit gebuchter Fahrt" in spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
    bad = at.dataframe[0].value.set_index("Ort")
    assert bad.loc["Weiler", "Grund"] == "nur mit gebuchter Fahrt (Rufbus/AST)"
    assert bad.loc["Weiler", "zu buchen"] == "726"
    assert bad.loc["Weiler", "buchen bis"] == "Sonntag, 01.03. 22:00"  # there and back
    assert bad.loc["Weiler", "Telefon"] == "05261 654321"
    at.selectbox(key="reach_place").set_value("Weiler").run()
    there = at.dataframe[-2].value
    booked = there[there["Linie"] == "726"]
    assert list(booked["Buchung"]) == ["726: bis So. 01.03. 22:00 unter 05261 654321 buchen"]
    # what was taken as booked, and why
    (routes,) = [d.value for d in at.dataframe if "warum" in d.value.columns]
    routes = routes.set_index("Routen-ID")
    assert routes.loc["ALF", "buchungspflichtig"] == "ganze Linie"
    assert "Name (AST, ALF, Rufbus, …)" in routes.loc["ALF", "warum"]
    assert routes.loc["D", "buchungspflichtig"] == "nur einzelne Halte"
    assert routes.loc["T300", "buchungspflichtig"] == "nein"
    assert "bitte bestätigen" in routes.loc["T300", "warum"]


def test_reach_page_says_what_the_illustrative_zone_brings():
    at = page(app(), "reach_page.py")
    assert any("Illustrativ, kein echtes Angebot" in i.value for i in at.info)
    at.toggle(key="reach_zones").set_value(True).run()
    assert not errors(at)
    (table,) = [d.value for d in at.dataframe if "Zone" in d.value.columns]
    assert set(table["Ort"]) == {"Augustdorf", "Lemgo"}
    assert set(table["Kursraum"]) == {"Horn-Bad Meinberg"}
    assert set(table["Kurstage, nur mit der Zone"]) == {"20 von 20"}


def test_try_a_zone_then_add_it_to_the_scenario():
    """A zone of 5 km around Augustdorf brings Detmold, Lage and Oerlinghausen to the room
    Augustdorf (on the reconstructed timetable); once added, the scenario has it."""
    at = page(app(), "reach_page.py")
    at.multiselect(key="tz_places").set_value(["Augustdorf"])
    at.text_input(key="tz_name").set_value("Versuch Augustdorf")
    at.button(key="FormSubmitter:try_zone_form-Ausprobieren").click().run()
    assert not errors(at)
    (table,) = [d.value for d in at.dataframe if "Zone" in d.value.columns]
    assert set(table["Zone"]) == {"Versuch Augustdorf"}
    assert set(table["Ort"]) == {"Detmold", "Lage", "Oerlinghausen"}
    assert set(table["Kursraum"]) == {"Augustdorf"}
    before = len(at.session_state.scenario_data["on_demand"])
    at.button(key="tz_apply").click().run()
    assert not errors(at)
    zones = at.session_state.scenario_data["on_demand"]
    assert len(zones) == before + 1
    added = zones[-1]
    assert added["name"] == "Versuch Augustdorf" and added["illustrative"] is True
    assert added["zone"] == {"places": ["Augustdorf"], "buffer_km": 5.0}
    assert added["hours"]["mon"] == ["08:00-20:00"] and "sun" not in added["hours"]
