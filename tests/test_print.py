"""The print views (plan, unreachable villages) printed by chromium on A4: every word on the
page, none beyond its edge. Needs chromium and poppler (`.ci/run` installs both)."""

from __future__ import annotations

import re
import shutil

import pytest
from test_browser import CHROMIUM, FLAGS, _require_browser
from test_handouts import boxes

from course_planner.ui.printing import print_page

MM = 72 / 25.4  # PDF points per millimetre


def printed(html: str, landscape: bool) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.set_content(html)
        pdf = page.pdf(prefer_css_page_size=True, landscape=landscape, print_background=True)
        browser.close()
    return pdf


def term_plan() -> tuple[list[str], list[list[str]]]:
    """A 38-week term on five weekdays, with the longest room names and second slots, as
    the 700-UE scenario has."""
    rooms = ["Horn-Bad Meinberg", "Schieder-Schwalenberg Bürgerhaus", "Augustdorf", "online"]
    head = ["Woche", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"]
    rows = [
        [f"Woche {w + 1:02d}.02.2026"]
        + [f"{rooms[(w + d) % 4]} / + {rooms[(w + d + 1) % 4]}" for d in range(5)]
        for w in range(38)
    ]
    return head, rows


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("landscape", [True, False])
def test_print_view_keeps_every_word_on_a4(tmp_path, landscape):
    _require_browser()
    head, rows = term_plan()
    html = print_page("Rotationsplan: Südlippe", head, rows, landscape=landscape, row_heads=True)
    pages = boxes(printed(html, landscape), tmp_path)
    assert len(pages) >= 2  # 38 weeks do not fit one page: the head repeats
    width = (297 if landscape else 210) * MM
    words = [w for page in pages for w in page]
    assert all(x1 <= width - 5 * MM for _, _, x1, _, _ in words)  # inside the margin
    text = " ".join(w[4] for w in words)
    for row in rows:  # (a long name may wrap at its hyphen: each part is there)
        for cell in row:
            for part in re.split(r"[\s/+-]+", cell):
                assert part in text, part
    # the head is on every page
    assert all(any(w[4] == "Donnerstag" for w in page) for page in pages)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_right_to_left_print_view(tmp_path):
    _require_browser()
    html = print_page("خطة", ["مكان", "غرفة"], [["Lügde", "Schlangen"]], lang="ar")
    assert 'dir="rtl"' in html
    words = [w[4] for page in boxes(printed(html, False), tmp_path) for w in page]
    assert "Lügde" in words and "Schlangen" in words
