"""Benchmark: reading and building the Lippe feed under the installed pandas version.

    python3 benchmarks/pandas_versions.py            # pandas 3 (the project's environment)
    VENV/bin/python benchmarks/pandas_versions.py    # a venv with pandas 2 (pip install -e .
                                                     # "pandas<3")

Prints the median time to build the routing arrays (5 runs) and the time to read the tables
through the safe reader; the parsed-feed cache is off (a fresh temporary cache folder).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["COURSE_PLANNER_CACHE"] = tempfile.mkdtemp()

import pandas as pd  # noqa: E402

from course_planner.transit.feed import _build, read_gtfs  # noqa: E402


def main() -> None:
    path = REPO / "gtfs_data" / "lippe-nwl-2019-reconstructed"
    t0 = time.perf_counter()
    gtfs, label = read_gtfs(path)
    read = time.perf_counter() - t0
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        _build(gtfs, label)
        times.append(time.perf_counter() - t0)
    print(
        f"pandas {pd.__version__}: build arrays median {statistics.median(times) * 1000:.0f} "
        f"ms, read tables {read:.2f} s"
    )


if __name__ == "__main__":
    main()
