"""Benchmark: time from starting the app to the first page rendered on the default scenario.

    python3 benchmarks/app_startup.py [--repeat 5]

Starts `streamlit run app.py` and headless chromium (Playwright, /usr/bin/chromium); measures
(a) cold: from starting the server process to "Szenario gültig" visible in the browser, and
(b) warm: a new browser tab on the running server until the same text is visible.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

REPO = Path(__file__).resolve().parent.parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    cold, warm = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for _ in range(args.repeat):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
                 "--server.headless", "true", "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                while True:
                    try:
                        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                            break
                    except OSError:
                        time.sleep(0.05)
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
                page.close()
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        browser.close()
    print("| what | time |\n|---|---|")
    print(f"| cold: start the server → first page rendered (default scenario) | median "
          f"{statistics.median(cold):.2f} s (min {min(cold):.2f}, max {max(cold):.2f}) |")
    print(f"| warm: new browser tab → first page rendered | median "
          f"{statistics.median(warm):.2f} s (min {min(warm):.2f}, max {max(warm):.2f}) |")


if __name__ == "__main__":
    main()
