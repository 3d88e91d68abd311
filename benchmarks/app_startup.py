"""Benchmark: the app's speed on the default scenario (Lippe), in a real browser.

    python3 benchmarks/app_startup.py [--repeat 5]

Starts `streamlit run app.py` and headless chromium (Playwright, /usr/bin/chromium); measures
(a) cold first page: from starting the server process to "Szenario gültig" visible
    (target ≤ 2 s),
(b) warm: a new browser tab on the running server until the same text is visible,
(c) Erreichbarkeit first open: click in the sidebar until the map's metric "Orte erreichbar"
    shows (loads the feed and scans the first date; target ≤ 2 s),
(d) page switch: from Erreichbarkeit to Rotationsplan and back to Szenario, each until its
    page is drawn (target ≤ 1 s; the median of both),
(e) Erreichbarkeit first open as a user meets it: on a fresh server, after the first page
    has been shown for --read-s seconds (default 5; the background read of the timetable
    has had time to run). (c) clicks at once after (b), while that read still runs.
Numbers go to benchmarks/README.md; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

REPO = Path(__file__).resolve().parent.parent
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workspace: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
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
        env={**os.environ, "COURSE_PLANNER_WORKSPACE": workspace},
    )


def wait_healthy(url: str) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                return
        except OSError:
            time.sleep(0.05)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--read-s", type=float, default=5.0, help="seconds on the first page before (e)"
    )
    args = ap.parse_args()
    cold, warm, reach_first, switch, reach_read = [], [], [], [], []
    workspace = tempfile.mkdtemp(prefix="kursplaner-bench-")  # never the user's home
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for _ in range(args.repeat):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            t0 = time.perf_counter()
            proc = start_server(port, workspace)
            try:
                wait_healthy(url)
                page = browser.new_page()
                page.goto(url)
                expect(page.get_by_text("Szenario gültig")).to_be_visible(timeout=60_000)
                cold.append(time.perf_counter() - t0)
                page.close()
                t1 = time.perf_counter()
                page = browser.new_page()
                page.goto(url)
                expect(page.get_by_text("Szenario gültig")).to_be_visible(timeout=60_000)
                warm.append(time.perf_counter() - t1)
                t2 = time.perf_counter()
                page.get_by_role("link", name="Erreichbarkeit").click()
                expect(page.get_by_text("Orte erreichbar")).to_be_visible(timeout=120_000)
                reach_first.append(time.perf_counter() - t2)
                t3 = time.perf_counter()
                page.get_by_role("link", name="Rotationsplan").click()
                expect(page.get_by_role("button", name="Plan berechnen")).to_be_visible(
                    timeout=60_000
                )
                switch.append(time.perf_counter() - t3)
                t4 = time.perf_counter()
                page.get_by_role("link", name="Szenario").click()
                expect(page.get_by_text("Szenario gültig")).to_be_visible(timeout=60_000)
                switch.append(time.perf_counter() - t4)
                page.close()
            finally:
                proc.terminate()
                proc.wait(timeout=20)
            # (e) as a user opens it: a fresh server, the first page read for a few seconds
            proc = start_server(port, workspace)
            try:
                wait_healthy(url)
                page = browser.new_page()
                page.goto(url)
                expect(page.get_by_text("Szenario gültig")).to_be_visible(timeout=60_000)
                time.sleep(args.read_s)
                t5 = time.perf_counter()
                page.get_by_role("link", name="Erreichbarkeit").click()
                expect(page.get_by_text("Orte erreichbar")).to_be_visible(timeout=120_000)
                reach_read.append(time.perf_counter() - t5)
                page.close()
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        browser.close()
    print("| what | time |\n|---|---|")
    print(
        f"| cold: start the server → first page rendered (default scenario) | median "
        f"{statistics.median(cold):.2f} s (min {min(cold):.2f}, max {max(cold):.2f}) |"
    )
    print(
        f"| warm: new browser tab → first page rendered | median "
        f"{statistics.median(warm):.2f} s (min {min(warm):.2f}, max {max(warm):.2f}) |"
    )
    print(
        f"| Erreichbarkeit first open (target ≤ 2 s) | median "
        f"{statistics.median(reach_first):.2f} s (min {min(reach_first):.2f}, max "
        f"{max(reach_first):.2f}) |"
    )
    print(
        f"| Erreichbarkeit first open after {args.read_s:g} s on the first page (target ≤ 2 s) "
        f"| median {statistics.median(reach_read):.2f} s (min {min(reach_read):.2f}, max "
        f"{max(reach_read):.2f}) |"
    )
    print(
        f"| page switch (target ≤ 1 s) | median {statistics.median(switch):.2f} s (min "
        f"{min(switch):.2f}, max {max(switch):.2f}) |"
    )


if __name__ == "__main__":
    main()
