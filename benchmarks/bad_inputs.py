"""How fast and how lean bad input is refused: a zip bomb, and the cost of the new checks.

    python3 benchmarks/bad_inputs.py

1. Builds (in a temporary folder, streaming) a feed zip whose stop_times.txt unpacks to
   512 MiB from well under 1 MiB — the bomb of issue 10 — and times ``load_feed`` refusing
   it, with the process's peak memory before and after.
2. Times ``load_feed`` on the shipped Lippe feed (safe reader + consistency checks included).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_planner.errors import ArchiveLimitError  # noqa: E402
from course_planner.transit.feed import load_feed  # noqa: E402

LINE = ROOT / "tests" / "fixtures" / "line"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_bomb(path: Path, mib: int = 512) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for p in sorted(LINE.glob("*.txt")):
            if p.name != "stop_times.txt":
                zf.write(p, p.name)
        with zf.open("stop_times.txt", "w", force_zip64=True) as fh:
            fh.write((LINE / "stop_times.txt").read_bytes())
            block = bytes(1 << 20)
            for _ in range(mib):
                fh.write(block)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.zip"
        t0 = time.perf_counter()
        build_bomb(bomb)
        built = time.perf_counter() - t0
        print(
            f"bomb: {bomb.stat().st_size / 1e6:.2f} MB on disk, stop_times.txt 512 MiB "
            f"unpacked (built in {built:.1f} s)"
        )
        before = peak_mib()
        t0 = time.perf_counter()
        try:
            load_feed(bomb)
            print("NOT refused")
        except ArchiveLimitError as exc:
            took = time.perf_counter() - t0
            print(
                f"refused in {took * 1000:.1f} ms; peak memory {before:.0f} MiB before, "
                f"{peak_mib():.0f} MiB after"
            )
            print(f"  message: {str(exc).replace(tmp, '…')}")
    lippe = ROOT / "gtfs_data" / "lippe-nwl-2019-reconstructed"
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        load_feed(lippe)
        times.append(time.perf_counter() - t0)
    print(
        f"Lippe feed load (safe reader + checks + arrays): "
        f"min {min(times):.2f} s, max {max(times):.2f} s over 3 runs"
    )


if __name__ == "__main__":
    main()
