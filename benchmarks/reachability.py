"""Benchmark: the reachability table of the default Lippe scenario, against two peers.

    python3 benchmarks/reachability.py [--repeat 5] [--no-pyraptor] [--no-bruteforce]

1. course_planner: loading the feed cold (gtfs-kit, checks, arrays; into an empty parsed-feed
   cache) and from the cache; one backward and one forward scan; the whole table (3 rooms ×
   all places × every course date × both directions), timed after the feed is loaded, from
   empty caches, ``--repeat`` times.
2. The same scans with the pure-Python router this engine replaced (``legacy_router.py``),
   checked for equality, and the ratio.
3. The networkx brute force of the tests (time-expanded graph + Dijkstra) on the same
   queries (every room × each distinct timetable × both directions), checked for equality.
4. pyraptor (RAPTOR, PyPI ``pyraptor``) in its own virtual environment (it pins pandas 1.5),
   on a converted copy of the feed; see ``pyraptor_peer.py`` for what it can and cannot answer.

Prints a Markdown table for ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))  # this checkout's package, not another installed copy

import legacy_router  # noqa: E402
from reference_router import TimeExpandedGraph  # noqa: E402

from course_planner.scenario import load_scenario  # noqa: E402
from course_planner.transit.feed import load_feed  # noqa: E402
from course_planner.transit.reachability import prepare, reachability_table  # noqa: E402
from course_planner.transit.router import earliest_arrivals, latest_departures  # noqa: E402
from course_planner.transit.timetable import service_signature  # noqa: E402

SCENARIO = REPO / "scenarios" / "lippe-2026.yaml"


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-pyraptor", action="store_true")
    ap.add_argument("--no-bruteforce", action="store_true")
    args = ap.parse_args()

    scenario = load_scenario(SCENARIO)
    os.environ["COURSE_PLANNER_CACHE"] = tempfile.mkdtemp(prefix="cp-bench-cache-")
    t0 = time.perf_counter()
    feed = load_feed(scenario.feed)  # cold: empty cache
    load_s = time.perf_counter() - t0
    _, cached_times = timed(lambda: load_feed(scenario.feed), args.repeat)

    def table():
        study = prepare(scenario, feed)  # fresh caches every time
        t0 = time.perf_counter()
        tab = reachability_table(study)
        return study, tab, time.perf_counter() - t0

    table()  # the compiled scans load from numba's cache once per process
    (study, tab, _), times = timed(table, args.repeat)
    table_only = [table()[2] for _ in range(args.repeat)]
    net = study.network
    arrive_by = scenario.course.start_s - scenario.travel.arrive_before_min * 60
    leave_at = scenario.course.end_s + scenario.travel.leave_after_min * 60
    distinct = {}
    for d in study.dates:
        distinct.setdefault(service_signature(feed, d), d)
    days = sorted(distinct.values())
    n_queries = 2 * len(days) * len(net.site_names)

    # all stops as origins (stop-level view), same rooms and dates
    stop_scenario = scenario.model_copy(update={"places": "all_stops"})
    (stop_study, stop_tab), stop_times = timed(
        lambda: (lambda s: (s, reachability_table(s)))(prepare(stop_scenario, feed)), args.repeat
    )

    # the same scans with the pure-Python router: speed and equality
    legacy_net = legacy_router.Network(
        feed, net.walks, net.place_names, net.site_names, net.min_change_s
    )
    new_s = old_s = 0.0
    differ = 0
    for d in days:
        tt, old_tt = study.timetable(d), legacy_router.timetable_for(feed, d)
        for k in range(len(net.site_names)):
            (new_in, new_out), t = timed(
                lambda k=k, tt=tt: (
                    latest_departures(net, tt, k, arrive_by),
                    earliest_arrivals(net, tt, k, leave_at),
                ),
                args.repeat,
            )
            new_s += statistics.median(t)
            (old_in, old_out), t = timed(
                lambda k=k, tt=old_tt: (
                    legacy_router.latest_departures(legacy_net, tt, k, arrive_by),
                    legacy_router.earliest_arrivals(legacy_net, tt, k, leave_at),
                ),
                args.repeat,
            )
            old_s += statistics.median(t)
            differ += int((new_in.latest_board != old_in.latest_board).sum())
            differ += int((new_in.place_depart != old_in.place_depart).sum())
            differ += int((new_out.earliest_alight != old_out.earliest_alight).sum())
            differ += int((new_out.place_arrive != old_out.place_arrive).sum())

    # one scan, for scale
    tt = study.timetable(days[0])
    old_tt = legacy_router.timetable_for(feed, days[0])
    limit = scenario.travel.max_travel_min * 60
    reps = max(args.repeat, 50)
    (_, scan_in) = timed(lambda: latest_departures(net, tt, 0, arrive_by), reps)
    (_, scan_in_h) = timed(
        lambda: latest_departures(net, tt, 0, arrive_by, scenario.course.start_s - limit), reps
    )
    (_, scan_out) = timed(lambda: earliest_arrivals(net, tt, 0, leave_at), reps)
    (_, scan_out_h) = timed(
        lambda: earliest_arrivals(net, tt, 0, leave_at, scenario.course.end_s + limit), reps
    )
    (_, old_in) = timed(
        lambda: legacy_router.latest_departures(legacy_net, old_tt, 0, arrive_by), args.repeat
    )
    (_, old_out) = timed(
        lambda: legacy_router.earliest_arrivals(legacy_net, old_tt, 0, leave_at), args.repeat
    )

    arrays = tt.arrays
    whole = sum(
        getattr(o, f).nbytes
        for o in (arrays.forward, arrays.backward)
        for f in o.__dataclass_fields__
    )
    per_date = tt.forward_pos.nbytes + tt.backward_pos.nbytes + tt.services.nbytes

    def ms(values):
        return f"median {statistics.median(values) * 1000:.2f} ms"

    rows = [
        ("feed load, cold (gtfs-kit + checks + arrays + cache write)", f"{load_s:.2f} s"),
        (
            "feed load, from the parsed-feed cache",
            f"median {statistics.median(cached_times):.3f} s (min {min(cached_times):.3f})",
        ),
        (
            f"course_planner: table only, {len(study.places)} places × {len(net.site_names)} "
            f"rooms × {len(study.dates)} dates ({len(tab)} rows; {n_queries} queries)",
            f"median {statistics.median(table_only):.3f} s (min {min(table_only):.3f})",
        ),
        (
            "course_planner: walks + table (prepare + reachability_table)",
            f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})",
        ),
        (
            f"course_planner: walks + table, all {len(stop_study.places)} stations as places "
            f"({len(stop_tab)} rows)",
            f"median {statistics.median(stop_times):.3f} s",
        ),
        (
            f"timetable memory: whole feed, both scan orders ({len(arrays.forward)} rows with "
            "the after-24:00 copies) / per distinct date",
            f"{whole / 2**20:.1f} MiB / {per_date / 2**10:.0f} KiB "
            f"({per_date / len(arrays.forward):.1f} bytes per connection)",
        ),
        (
            f"one backward scan to 08:25, whole morning ({tt.n_connections} connections run "
            "that day)",
            ms(scan_in),
        ),
        (f"one backward scan, horizon {scenario.travel.max_travel_min} min", ms(scan_in_h)),
        ("one forward scan from 12:05, rest of the day", ms(scan_out)),
        (f"one forward scan, horizon {scenario.travel.max_travel_min} min", ms(scan_out_h)),
        (
            "pure-Python router (before): one backward / one forward scan",
            f"{ms(old_in)} / {ms(old_out)}",
        ),
        (
            f"the {n_queries} queries of the table: compiled vs pure Python",
            f"{new_s * 1000:.1f} ms vs {old_s * 1000:.0f} ms: {old_s / new_s:.0f}× faster; "
            f"values that differ: {differ}",
        ),
    ]
    if not args.no_bruteforce:
        rows += bruteforce_rows(study, feed, days, arrive_by, leave_at, n_queries)
    if not args.no_pyraptor:
        # pyraptor ignores trips of the day before that run past midnight: use a Monday
        monday = next(d for d in days if d.weekday() == 0)
        rows += pyraptor_rows(scenario, study, monday, leave_at)
    print(f"Machine: {platform_line()}\n")
    print("| what | time |\n|---|---|")
    for what, value in rows:
        print(f"| {what} | {value} |")


def bruteforce_rows(study, feed, days, arrive_by, leave_at, n_queries):
    """The networkx brute force of the tests on the same queries, checked for equality."""
    net = study.network
    bf_build, bf_query, mismatches = 0.0, 0.0, 0
    for d in days:
        t0 = time.perf_counter()
        ref = TimeExpandedGraph(feed, net.walks, d, net.min_change_s)
        bf_build += time.perf_counter() - t0
        tt = study.timetable(d)
        for k in range(len(net.site_names)):
            t0 = time.perf_counter()
            lb = ref.latest_board(k, arrive_by)
            ea = ref.earliest_alight(k, leave_at)
            bf_query += time.perf_counter() - t0
            mismatches += int((lb != latest_departures(net, tt, k, arrive_by).latest_board).sum())
            mismatches += int((ea != earliest_arrivals(net, tt, k, leave_at).earliest_alight).sum())
    return [
        (f"networkx brute force: build {len(days)} time-expanded graphs", f"{bf_build:.1f} s"),
        (
            f"networkx brute force: the same {n_queries} queries (Dijkstra)",
            f"{bf_query:.1f} s; stops that differ: {mismatches}",
        ),
    ]


def platform_line() -> str:
    import os
    import platform

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def pyraptor_rows(scenario, study, date: dt.date, leave_at: float, rounds: int = 12):
    """Run pyraptor in its own venv (see pyraptor_peer.py) and compare with our forward scan.

    Same query on both sides: leave the stop nearest each room at ``leave_at``; earliest
    arrival by vehicle at every stop; a change at the same stop needs 0 s and there are no
    walks between stops (pyraptor's semantics; our scan is configured to match).
    """
    venv = HERE / ".venv-pyraptor"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # pyraptor pins pandas 1.5, which needs numpy < 2; it imports attrs undeclared
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "pyraptor==1.3.10", "numpy<2", "attrs"],
            check=True,
        )
    work = HERE / ".work"
    work.mkdir(exist_ok=True)
    net = study.network
    stops = net.feed.stops
    origins = []
    for k in range(len(net.site_names)):
        near = net.walks.site_stops[net.walks.site_stops["site"] == k]
        origins.append(int(near.sort_values(["dist_m", "stop"])["stop"].iloc[0]))
    request = {
        "feed": str(scenario.feed),
        "date": date.strftime("%Y%m%d"),
        "work": str(work),
        "origins": [stops["stop_id"].iat[s] for s in origins],
        "departure": int(leave_at),
        "rounds": rounds,
    }
    out = subprocess.run(
        [str(python), str(HERE / "pyraptor_peer.py"), json.dumps(request)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return [("pyraptor", f"failed: {out.stderr.strip().splitlines()[-1]}")]
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    tt = study.timetable(date)
    ours_s, agree, differ, judged_ours, judged_theirs = 0.0, 0, 0, 0, 0
    index = {sid: i for i, sid in enumerate(stops["stop_id"])}
    # the brute force in pyraptor's semantics (0 s same-stop change, no walks) as referee
    ref = TimeExpandedGraph(study.feed, _pyraptor_walks(net, origins[0]), date, 0.0)
    for origin, arrivals in zip(origins, answer["arrivals"], strict=True):
        t0 = time.perf_counter()
        ours = _scan_from_stop(study, tt, origin, leave_at)
        ours_s += time.perf_counter() - t0
        theirs = np.full(len(stops), np.inf)
        for sid, t in arrivals.items():
            theirs[index[sid]] = t
        theirs[origin] = ours[origin]  # the origin itself is not compared
        agree += int((ours == theirs).sum())
        differ += int((ours != theirs).sum())
        ref.walks = _pyraptor_walks(net, origin)
        truth = ref.earliest_alight(0, leave_at)
        truth[origin] = ours[origin]
        diff = ours != theirs
        judged_ours += int((diff & (ours == truth)).sum())
        judged_theirs += int((diff & (theirs == truth)).sum())
    return [
        ("pyraptor 1.3.10: build its timetable for one date", f"{answer['build_s']:.1f} s"),
        (
            f"pyraptor: {len(origins)} one-to-all earliest-arrival queries ({rounds} rounds)",
            f"{answer['query_s']:.1f} s",
        ),
        (f"course_planner: the same {len(origins)} queries (forward scans)", f"{ours_s:.3f} s"),
        (
            "pyraptor vs course_planner, earliest arrival at every stop",
            f"{agree} stop answers agree, {differ} differ",
        ),
        (
            "where they differ, the brute force (same semantics) agrees with",
            f"course_planner in {judged_ours}, pyraptor in {judged_theirs}",
        ),
    ]


def _pyraptor_walks(net, stop: int):
    """Walks as pyraptor has them here: none between stops; the 'room' is on ``stop``."""
    alone = [[(j, 0.0)] for j in range(net.n_stops)]
    return replace(
        net.walks,
        transfers=alone,
        transfers_in=alone,
        site_stops=pd.DataFrame({"site": [0], "stop": [stop], "dist_m": [0.0], "walk_s": [0.0]}),
    )


def _scan_from_stop(study, tt, stop: int, leave_at: float) -> np.ndarray:
    """Our forward scan from a room placed on one stop, with pyraptor's change rules."""
    net = study.network
    return earliest_arrivals(
        replace(net, walks=_pyraptor_walks(net, stop), min_change_s=0.0), tt, 0, leave_at
    ).earliest_alight


if __name__ == "__main__":
    main()
