"""Benchmark: choose 3 rooms among all Lippe places over a 12-week term.

    python3 benchmarks/siting.py [--repeat 5]

Candidates: the 17 places of scenarios/lippe-2026.yaml (every place a possible room);
coverage: a place reaches a room on every course date (24), there and back within 90 min.
Times the coverage (reachability table of 17 places × 17 candidate rooms × 24 dates) and
the CP-SAT choice; checks the choice against brute force over all 680 triples.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from pathlib import Path

from course_planner.scenario import Scenario, load_scenario
from course_planner.siting import (
    best_sites,
    candidate_study,
    choose_sites,
    coverage,
    needed_dates,
    weights,
)
from course_planner.transit.feed import Feed, load_feed
from course_planner.transit.reachability import reachability_table

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--all-stations",
        action="store_true",
        help="every station of the feed is a candidate room (issue 11's siting "
        "target); times one whole choice: coverage, then CP-SAT",
    )
    args = ap.parse_args()
    sc = load_scenario(REPO / "scenarios" / "lippe-2026.yaml")
    feed = load_feed(sc.feed)
    if args.all_stations:
        all_stations(sc, feed)
        return
    cover_times, solve_times, results = [], [], set()
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        study = candidate_study(sc, feed=feed)
        cover = coverage(reachability_table(study), needed_dates(study))
        cover_times.append(time.perf_counter() - t0)
        weight, _ = weights(study)
        t0 = time.perf_counter()
        choice = choose_sites(cover, weight, 3)
        solve_times.append(time.perf_counter() - t0)
        results.add((tuple(choice.sites), choice.covered, choice.optimal))
    t0 = time.perf_counter()
    best = max(
        int(weight[cover[list(c)].any(axis=1)].sum())
        for c in itertools.combinations(cover.columns, 3)
    )
    brute = time.perf_counter() - t0
    n = len(cover.columns)
    print("| what | result |\n|---|---|")
    print(
        f"| coverage: reachability of {len(cover)} places × {n} candidate rooms × "
        f"{len(study.dates)} dates | median {statistics.median(cover_times):.2f} s |"
    )
    print(
        f"| CP-SAT choice of 3 rooms among {n} | median "
        f"{statistics.median(solve_times) * 1000:.0f} ms (max {max(solve_times) * 1000:.0f} "
        f"ms); results: {sorted(results)} |"
    )
    print(
        f"| brute force over all {len(list(itertools.combinations(range(n), 3)))} triples "
        f"| {brute:.2f} s; best {best} participants |"
    )


def all_stations(sc: Scenario, feed: Feed) -> None:
    import resource

    candidates = feed.stations.rename(columns={"station_name": "name"})[["name", "lat", "lon"]]
    candidates = candidates.drop_duplicates("name").reset_index(drop=True)
    t0, c0 = time.perf_counter(), time.process_time()
    choice, study, _ = best_sites(sc, candidates, feed, p=3)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        f"| siting: 3 rooms among {len(candidates)} stations of the feed, "
        f"{len(study.places)} places × {len(study.dates)} dates | {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU, peak {peak:.2f} GiB; chosen {', '.join(choice.sites)}, "
        f"{'proven optimal' if choice.optimal else 'not proven optimal'} |"
    )


if __name__ == "__main__":
    main()
