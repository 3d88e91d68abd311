"""Official-size feeds: clip a county, load it, scan it, and the full-term table, per feed size.

For each size (stop_times rows of a synthetic state-wide feed in the German format, made by
``benchmarks/feedgen.py`` into ``benchmarks/.work/``, git-ignored):

1. clip Kreis 05766 (+10 km) out of the feed: time and peak memory;
2. load the clipped feed, cold (empty ``COURSE_PLANNER_CACHE``) and again (cache kept);
   the full feed too, up to ``--load-full-max-rows``;
3. one backward (arrive-by) and one forward (leave-at) scan from a room, on a course date;
4. the full-term table: every station of the county as a place × 3 rooms × 24 course dates,
   both directions (up to ``--table-max-rows`` of the clipped feed: today's engine keeps
   one copy of the timetable per distinct date and runs out of memory on larger ones).

Every measurement runs in its own Python process, which reports its wall time and peak
resident memory (``getrusage``); the harness kills a process that grows beyond
``--budget-gib`` and records that. Only public functions are called (``load_feed``,
``prepare``, ``reachability_table``, ``Study.arrive_by/leave_at``), so the harness runs on
any version of the engine; ``--baseline PATH`` runs the scans and the table also on the
package found at PATH (e.g. a checkout of today's engine) and reports the ratio.

    python3 benchmarks/scale.py --sizes 0.1M,1M,5M,20M
    python3 benchmarks/scale.py --sizes 50M --clip-only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
COUNTY = "05766"
GIB = 1 << 30


def rows_of(size: str) -> int:
    size = size.strip().upper()
    factor = {"K": 1e3, "M": 1e6}.get(size[-1], 1)
    return int(float(size.rstrip("KM")) * factor)


# --------------------------------------------------------------------------- the steps
# Each runs in a fresh process (``--step``) and prints one JSON line.


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss_now() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def step_clip(p: dict) -> dict:
    from course_planner.transit.clip import ClipArea, clip_feed

    t0, c0 = time.perf_counter(), time.process_time()
    report = clip_feed(p["feed"], p["out"], ClipArea(county=COUNTY, buffer_km=10))
    return {
        "s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
        "stop_times_kept": report.kept("stop_times.txt"),
        "trips_kept": report.kept("trips.txt"),
        "stops_kept": report.kept("stops.txt"),
    }


def step_load(p: dict) -> dict:
    from course_planner.transit.feed import load_feed

    t0, c0 = time.perf_counter(), time.process_time()
    feed = load_feed(p["feed"])
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    connections = getattr(feed, "connections", None)
    return {
        "s": seconds,
        "cpu_s": cpu,
        "connections": len(connections) if connections is not None else None,
        "rss_after_load": _rss_now(),
    }


def _study(p: dict):
    from course_planner.scenario import load_scenario
    from course_planner.transit.feed import load_feed
    from course_planner.transit.reachability import prepare

    t0 = time.perf_counter()
    feed = load_feed(p["feed"])
    load_s = time.perf_counter() - t0
    rss = _rss_now()
    scenario = load_scenario(p["scenario"])
    return scenario, feed, load_s, rss, prepare


def step_scan(p: dict) -> dict:
    scenario, feed, load_s, _, prepare = _study(p)
    study = prepare(scenario, feed)
    date = study.dates[0]
    arrive = scenario.course.start_s - scenario.travel.arrive_before_min * 60
    leave = scenario.course.end_s + scenario.travel.leave_after_min * 60
    out = {"load_s": load_s, "dates": len(study.dates), "places": len(study.places)}
    for name, call, t in (
        ("backward", study.arrive_by, arrive),
        ("forward", study.leave_at, leave),
    ):
        t0 = time.perf_counter()
        call(0, date, t)  # the first one on a date may build that date's timetable
        out[f"{name}_first_s"] = time.perf_counter() - t0
        times = []
        for k in range(1, 6):  # other times: new scans on the same timetable
            t0 = time.perf_counter()
            call(0, date, t - 60 * k if name == "backward" else t + 60 * k)
            times.append(time.perf_counter() - t0)
        out[f"{name}_s"] = statistics.median(times)
    return out


def step_table(p: dict) -> dict:
    from course_planner.transit.reachability import reachability_table

    scenario, feed, load_s, rss, prepare = _study(p)
    t0, c0 = time.perf_counter(), time.process_time()
    study = prepare(scenario, feed)
    table = reachability_table(study)
    return {
        "s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
        "load_s": load_s,
        "rows": len(table),
        "places": len(study.places),
        "dates": len(study.dates),
        "reachable_rows": int(table["reachable"].sum()),
        "rss_after_load": rss,
    }


def step_bruteforce(p: dict) -> dict:
    """The tests' networkx brute force (time-expanded graph + Dijkstra) on the first course
    date, room 0, both directions; and how many stops it answers differently from the
    package's scans (when their results expose ``latest_board``/``earliest_alight``)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from reference_router import TimeExpandedGraph

    scenario, feed, _, _, prepare = _study(p)
    study = prepare(scenario, feed)
    net, date = study.network, study.dates[0]
    arrive = scenario.course.start_s - scenario.travel.arrive_before_min * 60
    leave = scenario.course.end_s + scenario.travel.leave_after_min * 60
    t0 = time.perf_counter()
    graph = TimeExpandedGraph(feed, net.walks, date, net.min_change_s)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    board = graph.latest_board(0, arrive)
    alight = graph.earliest_alight(0, leave)
    query_s = time.perf_counter() - t0
    differ = int(
        (board != study.arrive_by(0, date, arrive).latest_board).sum()
        + (alight != study.leave_at(0, date, leave).earliest_alight).sum()
    )
    return {
        "build_s": build_s,
        "query_s": query_s,
        "stops_that_differ": differ,
        "stops": len(board),
    }


STEPS = {
    "clip": step_clip,
    "load": step_load,
    "scan": step_scan,
    "table": step_table,
    "bruteforce": step_bruteforce,
}


def _run_step_here(name: str, params: str) -> None:
    import course_planner

    result = STEPS[name](json.loads(params))
    result.update(peak_rss=_peak_rss(), package=str(Path(course_planner.__file__).parent))
    print(json.dumps(result))


# --------------------------------------------------------------------------- the harness


def measure(
    step: str, params: dict, engine: Path, budget: int, timeout: float, env: dict | None = None
) -> dict:
    """Run one step in its own process on the package at ``engine``; kill it beyond the
    memory budget or the timeout."""
    environ = {**os.environ, "PYTHONPATH": str(engine), **(env or {})}
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--step",
        step,
        "--params",
        json.dumps(params),
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ, cwd=str(engine)
    )
    seen, status = 0, None
    while proc.poll() is None:
        try:
            text = Path(f"/proc/{proc.pid}/status").read_text()
            seen = max(
                seen,
                next(int(x.split()[1]) * 1024 for x in text.splitlines() if x.startswith("VmRSS:")),
            )
        except (OSError, StopIteration):
            pass
        if seen > budget:
            status = f"killed at {budget / GIB:.0f} GiB (out of memory budget)"
        elif time.perf_counter() - t0 > timeout:
            status = f"killed after {timeout:.0f} s (timeout)"
        if status:
            proc.kill()
            proc.wait()
            return {"status": status, "peak_rss": seen, "wall_s": time.perf_counter() - t0}
        time.sleep(0.1)
    out, err = proc.communicate()
    if proc.returncode != 0:
        last = (err.strip().splitlines() or ["?"])[-1]
        return {"status": f"failed: {last}", "wall_s": time.perf_counter() - t0}
    result = json.loads(out.strip().splitlines()[-1])
    result.update(status="ok", wall_s=time.perf_counter() - t0)
    return result


def county_scenario(clipped: Path, size: str) -> Path:
    """A scenario on the clipped feed: every station of the county a place, 3 rooms at
    county stations, 24 course dates (Mon + Wed, 12 weeks; no holidays off)."""
    import pandas as pd

    with zipfile.ZipFile(clipped) as zf, zf.open("stops.txt") as fh:
        stops = pd.read_csv(fh, dtype=str, keep_default_na=False)
    stations = stops[
        (stops["parent_station"] == "") & stops["stop_id"].str.startswith(f"de:{COUNTY}:")
    ].copy()
    stations["lat"] = stations["stop_lat"].astype(float)
    stations["lon"] = stations["stop_lon"].astype(float)
    places = WORK / f"places-{size}.csv"
    stations.rename(columns={"stop_name": "name"})[["name", "lat", "lon"]].to_csv(
        places, index=False
    )
    clat, clon = stations["lat"].mean(), stations["lon"].mean()
    rooms = []
    for dlat, dlon in ((0, 0), (-0.08, -0.1), (0.08, 0.1)):
        d = (stations["lat"] - clat - dlat) ** 2 + (stations["lon"] - clon - dlon) ** 2
        s = stations.loc[d.idxmin()]
        rooms.append(
            {
                "name": f"Raum {s['stop_name']}",
                "lat": round(s["lat"] + 0.0004, 6),
                "lon": float(s["lon"]),
            }
        )
    scenario = {
        "name": f"Kreis {COUNTY} aus dem {size}-Feed (synthetisch)",
        "feed": str(clipped),
        "places": str(places),
        "sites": rooms,
        "course": {
            "start_date": "2026-02-02",
            "end_date": "2026-04-24",
            "weekdays": ["mon", "wed"],
            "start": "08:30",
            "end": "12:00",
            "holidays": {"public": False, "school": False},
        },
    }
    path = WORK / f"scenario-{size}.yaml"
    path.write_text(json.dumps(scenario, indent=1))  # JSON is YAML
    return path


def run(args: argparse.Namespace) -> list[dict]:
    WORK.mkdir(parents=True, exist_ok=True)
    budget = int(args.budget_gib * GIB)
    engines = {"current": ROOT}
    if args.baseline:
        engines["baseline"] = Path(args.baseline).resolve()
    results = []
    for size in args.sizes.split(","):
        rows = rows_of(size)
        feed = WORK / f"de-{size}.zip"
        res: dict = {"size": size, "rows": rows}
        if not feed.is_file():
            from feedgen import generate

            t0 = time.perf_counter()
            generate(rows, feed)
            res["generate_s"] = time.perf_counter() - t0
        res["feed_mb"] = feed.stat().st_size / 1e6
        clipped = WORK / f"lippe-{size}.zip"
        res["clip"] = measure(
            "clip", {"feed": str(feed), "out": str(clipped)}, ROOT, budget, args.timeout
        )
        print(size, "clip", res["clip"], flush=True)
        if args.clip_only or res["clip"]["status"] != "ok":
            results.append(res)
            continue
        cache = WORK / f"cache-{size}"
        shutil.rmtree(cache, ignore_errors=True)
        env = {"COURSE_PLANNER_CACHE": str(cache)}
        res["load_cold"] = measure("load", {"feed": str(clipped)}, ROOT, budget, args.timeout, env)
        res["load_cached"] = measure(
            "load", {"feed": str(clipped)}, ROOT, budget, args.timeout, env
        )
        print(size, "load", res["load_cold"], res["load_cached"], flush=True)
        if rows <= args.load_full_max_rows:
            res["load_full"] = measure("load", {"feed": str(feed)}, ROOT, budget, args.timeout, env)
        else:
            res["load_full"] = {"status": f"not run (> {args.load_full_max_rows:,.0f} rows)"}
        scenario = county_scenario(clipped, size)
        params = {"feed": str(clipped), "scenario": str(scenario)}
        for label, engine in engines.items():
            res[f"scan_{label}"] = measure("scan", params, engine, budget, args.timeout, env)
            print(size, "scan", label, res[f"scan_{label}"], flush=True)
            if res["clip"]["stop_times_kept"] <= args.table_max_rows:
                res[f"table_{label}"] = measure("table", params, engine, budget, args.timeout, env)
            else:
                res[f"table_{label}"] = {
                    "status": f"not run (clipped feed > {args.table_max_rows:,.0f} rows)"
                }
            print(size, "table", label, res[f"table_{label}"], flush=True)
        if res["clip"]["stop_times_kept"] <= args.bruteforce_max_rows:
            res["bruteforce"] = measure("bruteforce", params, ROOT, budget, args.timeout, env)
        else:
            res["bruteforce"] = {
                "status": f"not run (clipped feed > {args.bruteforce_max_rows:,.0f} rows)"
            }
        print(size, "bruteforce", res["bruteforce"], flush=True)
        results.append(res)
    return results


def markdown(results: list[dict]) -> str:
    def gib(r: dict, key: str = "peak_rss") -> str:
        return f"{r[key] / GIB:.2f} GiB" if r.get(key) else "–"

    def cell(r: dict | None, what: str) -> str:
        if not r:
            return "–"
        if r.get("status") != "ok":
            return r.get("status", "–")
        return what

    lines = [
        "| rows | feed (zip) | clip (time, peak) | kept stop_times | load cold | load cached "
        "| load full feed | backward scan | forward scan | full-term table (after load) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for res in results:
        c = res.get("clip", {})
        lc, lh, lf = res.get("load_cold"), res.get("load_cached"), res.get("load_full")
        sc, tb = res.get("scan_current"), res.get("table_current")
        lines.append(
            " | ".join(
                [
                    f"| {res['size']}",
                    f"{res['feed_mb']:.0f} MB",
                    cell(c, f"{c.get('s', 0):.1f} s, {gib(c)}"),
                    cell(c, f"{c.get('stop_times_kept', 0):,}"),
                    cell(lc, f"{(lc or {}).get('s', 0):.2f} s, {gib(lc or {})}"),
                    cell(lh, f"{(lh or {}).get('s', 0):.2f} s, {gib(lh or {})}"),
                    cell(lf, f"{(lf or {}).get('s', 0):.1f} s, {gib(lf or {})}"),
                    cell(
                        sc,
                        f"{(sc or {}).get('backward_s', 0) * 1e3:.1f} ms (first "
                        f"{(sc or {}).get('backward_first_s', 0):.2f} s)",
                    ),
                    cell(
                        sc,
                        f"{(sc or {}).get('forward_s', 0) * 1e3:.1f} ms (first "
                        f"{(sc or {}).get('forward_first_s', 0):.2f} s)",
                    ),
                    cell(
                        tb,
                        f"{(tb or {}).get('s', 0):.1f} s, peak {gib(tb or {})} (after load "
                        f"{gib(tb or {}, 'rss_after_load')}); {(tb or {}).get('places', 0)} "
                        f"places × 3 × {(tb or {}).get('dates', 0)}",
                    )
                    + " |",
                ]
            )
        )
    for res in results:
        bf = res.get("bruteforce", {})
        if bf.get("status") == "ok":
            lines.append(
                f"\n{res['size']}: networkx brute force on one date and room: build "
                f"{bf['build_s']:.1f} s, both queries {bf['query_s']:.2f} s; stops "
                f"answered differently from the scans: {bf['stops_that_differ']} of "
                f"{2 * bf['stops']}"
            )
        if "scan_baseline" in res:
            cur, base = res["scan_current"], res["scan_baseline"]
            if cur.get("status") == base.get("status") == "ok":
                lines.append(
                    f"\n{res['size']}: baseline / current, backward scan "
                    f"{base['backward_s'] / cur['backward_s']:.1f}×, forward "
                    f"{base['forward_s'] / cur['forward_s']:.1f}×"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.1M,1M,5M,20M")
    parser.add_argument(
        "--clip-only", action="store_true", help="only generate and clip (the 50 M memory check)"
    )
    parser.add_argument(
        "--table-max-rows",
        type=float,
        default=2e5,
        help="run the table only when the clipped feed has at most this many "
        "stop_times rows (default 200,000: today's engine)",
    )
    parser.add_argument(
        "--bruteforce-max-rows",
        type=float,
        default=2e5,
        help="run the networkx brute force only up to this many clipped "
        "stop_times rows (default 200,000)",
    )
    parser.add_argument(
        "--load-full-max-rows",
        type=float,
        default=1e6,
        help="also load the whole feed up to this size (default 1 M)",
    )
    parser.add_argument("--budget-gib", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per step")
    parser.add_argument("--baseline", help="another checkout of the package to compare with")
    parser.add_argument("--json", default=str(WORK / "scale-results.json"))
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        _run_step_here(args.step, args.params)
        return
    results = run(args)
    Path(args.json).write_text(json.dumps(results, indent=1))
    print(markdown(results))


if __name__ == "__main__":
    main()
