"""End to end in a real headless browser: Playwright drives Debian's chromium against
`streamlit run app.py`. Screenshots of each page go to tests/screenshots/ (ignored by git).

Needs /usr/bin/chromium (`.ci/run` installs it). Without it the test is skipped on a
developer machine and fails in CI (CI=true).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_browser():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        available = False
    else:
        available = Path(CHROMIUM).exists()
    if not available:
        if os.environ.get("CI"):
            pytest.fail("chromium or playwright missing in CI: .ci/run must install them")
        pytest.skip("needs /usr/bin/chromium and playwright (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("workspace")


@pytest.fixture(scope="module")
def server(workspace):
    _require_browser()
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "COURSE_PLANNER_WORKSPACE": str(workspace)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_plan_and_map_in_a_real_browser(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    # loading the feed or solving can take several seconds on a busy 2-core machine
    expect.set_options(timeout=120_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(server)
        expect(page.get_by_text("Szenario gültig")).to_be_visible()
        page.screenshot(path=SHOTS / "1-szenario.png", full_page=True)

        # a broken GTFS zip is refused with a message; the scenario stays as it was; its
        # name is kept to a safe basename (nothing written outside the upload folder)
        evil = f"../../kursplaner-test-{os.getpid()}.zip"
        page.get_by_role("tab", name="Hochladen").click()
        page.get_by_text("Eigene Dateien hochladen").click()
        page.locator("input[type=file]").nth(1).set_input_files(
            files=[{"name": evil, "mimeType": "application/zip", "buffer": b"this is not a zip"}]
        )
        # the upload itself reruns the app: let that finish before the click
        expect(
            page.get_by_role("button", name=re.compile("^Remove .*kursplaner-test"))
        ).to_be_visible()
        page.wait_for_timeout(2000)
        page.get_by_role("button", name="Hochgeladene Dateien verwenden").click()
        expect(page.get_by_text("not a zip file")).to_be_visible()
        assert not page.get_by_text("/tmp/").count()  # file names, never server paths
        assert not (Path(tempfile.gettempdir()) / Path(evil).name).exists()
        expect(page.get_by_text("Hybrider B1-Kurs Südlippe 2026").first).to_be_visible()
        page.screenshot(path=SHOTS / "2-upload-fehler.png", full_page=True)

        page.get_by_role("link", name="Erreichbarkeit").click()
        expect(page.get_by_text("Orte erreichbar")).to_be_visible()
        map_chart = page.locator("[data-testid='stVegaLiteChart']").first
        expect(map_chart).to_be_visible()
        box = map_chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200
        expect(map_chart.get_by_text("nicht erreichbar")).to_be_visible()  # the legend
        # the default scenario's on-demand zone is named as illustrative, and can be tried
        expect(page.get_by_text("Illustrativ, kein echtes Angebot").first).to_be_visible()
        expect(page.get_by_text("Eine Rufbus-Zone ausprobieren")).to_be_visible()
        page.wait_for_timeout(500)  # let Vega draw
        page.screenshot(path=SHOTS / "3-erreichbarkeit.png", full_page=True)

        page.get_by_role("link", name="Rotationsplan").click()
        page.get_by_role("button", name="Plan berechnen").click()
        expect(page.get_by_text("beweisbar optimal").first).to_be_visible()
        expect(page.get_by_role("heading", name="Kalender")).to_be_visible()
        expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()
        page.wait_for_timeout(1000)
        page.screenshot(path=SHOTS / "4-rotationsplan.png", full_page=True)

        page.get_by_role("link", name="Vergleich").click()
        expect(page.get_by_text("Wo sich die Pläne unterscheiden")).to_be_visible()
        page.screenshot(path=SHOTS / "5-vergleich.png", full_page=True)
        browser.close()


def _yaml_editor(page):
    """The YAML editor, its expander opened (a rerun may draw it closed again)."""
    box = _one(page, "YAML")
    if not box.is_visible():
        page.get_by_text("Szenario als YAML bearbeiten").click()
    return box


def _load(page, name: str, title: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Vorlagen").click()
    page.get_by_test_id("stSelectbox").filter(has_text="Mitgeliefertes Szenario").click()
    page.get_by_role("option", name=name).click()
    page.get_by_role("button", name="Laden", exact=True).click()
    expect(page.get_by_text(f"Aktives Szenario: {title}").first).to_be_visible()


def _one(page, label: str):
    """The widget with this label once the rerun has settled (while Streamlit reruns, the
    widget of the previous revision may still be on the page)."""
    from playwright.sync_api import expect

    widget = page.get_by_label(label, exact=True)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden()
    expect(widget).to_have_count(1)
    return widget


def _submit_form(page) -> None:
    """Submit the scenario form once the rerun has settled: while Streamlit reruns, the
    previous revision's form may still be on the page, and a click on it is lost."""
    from playwright.sync_api import expect

    button = page.get_by_test_id("stFormSubmitButton")
    expect(button).to_have_count(1)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden()
    button.get_by_role("button").click()


def test_state_flows_in_a_real_browser(server, workspace):
    """Load A, load B, apply without edits: B unchanged (in the YAML editor and when
    saved). A form edit, then a YAML edit: both kept."""
    import yaml
    from playwright.sync_api import expect, sync_playwright

    from course_planner.scenario import scenario_data

    expect.set_options(timeout=120_000)
    vpe = scenario_data(REPO / "scenarios" / "vpe-keltern-2025.yaml")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(server)
        expect(page.get_by_text("Szenario gültig")).to_be_visible()
        _load(page, "lippe-2026-strict-rotation.yaml", "Hybrider B1-Kurs Südlippe")
        _load(page, "vpe-keltern-2025.yaml", "Hybrider Kurs Keltern")
        expect(_one(page, "Beginn (HH:MM)")).to_have_value("08:30")
        _submit_form(page)
        expect(page.get_by_text("Nichts geändert")).to_be_visible()
        box = _yaml_editor(page)
        assert yaml.safe_load(box.input_value()) == yaml.safe_load(
            yaml.safe_dump(vpe, allow_unicode=True)
        )
        # saved, the file holds B as loaded (paths made absolute for the shipped data)
        _one(page, "Name im Arbeitsordner").fill("Keltern")
        page.get_by_role("button", name="Speichern unter", exact=True).click()
        expect(page.get_by_text("Gespeichert als „Keltern“.", exact=True)).to_be_visible()
        saved = yaml.safe_load((workspace / "Keltern" / "scenario.yaml").read_text("utf-8"))
        assert {k: v for k, v in saved.items() if k != "feed"} == {
            k: v for k, v in vpe.items() if k != "feed"
        }
        assert Path(saved["feed"]).name == Path(vpe["feed"]).name

        # a form edit, then a YAML edit: both kept
        _one(page, "Beginn (HH:MM)").fill("09:00")
        _submit_form(page)
        page.wait_for_timeout(500)
        box = _yaml_editor(page)
        expect(box).to_have_value(re.compile(r"start: '?09:00"))
        text = box.input_value().replace(vpe["name"], "Keltern mit Änderungen")
        box.fill(text)
        box.press("Control+Enter")
        page.wait_for_timeout(1500)
        page.get_by_test_id("stExpander").filter(has_text="Szenario als YAML").get_by_role(
            "button", name="Übernehmen"
        ).click()
        expect(page.get_by_text("Aktives Szenario: Keltern mit Änderungen").first).to_be_visible()
        expect(_one(page, "Beginn (HH:MM)")).to_have_value("09:00")
        data = yaml.safe_load(_one(page, "YAML").input_value())
        assert data["name"] == "Keltern mit Änderungen"
        assert data["course"]["start"] == "09:00"
        page.screenshot(path=SHOTS / "6-zustand.png", full_page=True)

        # a reload keeps the unsaved edits of this tab (its draft in the workspace)
        page.reload()
        expect(page.get_by_text("Ihre ungespeicherten Änderungen")).to_be_visible()
        expect(page.get_by_text("Aktives Szenario: Keltern mit Änderungen").first).to_be_visible()
        expect(_one(page, "Beginn (HH:MM)")).to_have_value("09:00")
        # another tab opens the default template, not this tab's work
        other = browser.new_page(viewport={"width": 1400, "height": 1000})
        other.goto(server)
        default = other.get_by_text("Aktives Szenario: Hybrider B1-Kurs Südlippe").first
        expect(default).to_be_visible()
        browser.close()


PAGES = ["Erreichbarkeit", "Rotationsplan", "Standortwahl", "Vergleich", "Export", "Szenario"]


def test_every_shipped_scenario_opens_every_page_in_a_real_browser(server):
    """Each shipped template, opened from the address (as a bookmark does), then every page
    through the sidebar: the page names the scenario and shows no error."""
    from playwright.sync_api import expect, sync_playwright

    from course_planner.scenario import scenario_data

    expect.set_options(timeout=120_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for file in sorted(f.name for f in (REPO / "scenarios").glob("*.yaml")):
            title = scenario_data(REPO / "scenarios" / file)["name"]
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(f"{server}/?vorlage={file}")
            for name in PAGES:
                page.get_by_role("link", name=name, exact=True).click()
                expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
                named = page.get_by_text(f"Aktives Szenario: {title}").first
                expect(named).to_be_visible()
                # let the page finish (its spinners go) before looking for errors
                expect(page.get_by_test_id("stSpinner")).to_have_count(0)
                for kind in ("stException", "stAlertContentError"):
                    assert not page.get_by_test_id(kind).count(), (file, name, kind)
            page.close()
        browser.close()
