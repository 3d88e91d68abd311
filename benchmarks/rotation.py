"""Benchmark: the rotation of a 700-UE integration course (about 140 sessions × 3 rooms).

    python3 benchmarks/rotation.py [--repeat 5]

Scenario: scenarios/lippe-2026-integrationskurs-700ue.yaml — every rule on: room weekdays
and closed dates, a teacher absence, a pinned session, the opening round, the longest wait,
share / travel / streak penalties. Times the preparation (feed, sessions, participants per
room), the model build and the solve (the product's settings), and for contrast other
CP-SAT settings on the same model; then the explanation of the impossible scenario.
Prints a Markdown table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from ortools.sat.python import cp_model

from course_planner.errors import NoPlanError
from course_planner.rotation.model import build_model, rotation_input, solver_for
from course_planner.rotation.plan import solve_rotation
from course_planner.scenario import load_scenario
from course_planner.transit.feed import load_feed
from course_planner.transit.reachability import prepare

REPO = Path(__file__).resolve().parent.parent
SCENARIO = REPO / "scenarios" / "lippe-2026-integrationskurs-700ue.yaml"
IMPOSSIBLE = REPO / "scenarios" / "lippe-2026-impossible.yaml"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sc = load_scenario(SCENARIO)
    t0 = time.perf_counter()
    feed = load_feed(sc.feed)
    study = prepare(sc, feed)
    inp = rotation_input(sc, study)
    prep_s = time.perf_counter() - t0
    n_sessions, n_rooms = len(inp.sessions), len(inp.sites)

    builds, solves, dtimes, statuses, objectives = [], [], [], set(), set()
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        rm = build_model(inp)
        builds.append(time.perf_counter() - t0)
        solver = solver_for(inp)
        t0 = time.perf_counter()
        status = solver.solve(rm.model)
        solves.append(time.perf_counter() - t0)
        dtimes.append(solver.deterministic_time)
        statuses.add(solver.status_name(status))
        objectives.add(round(solver.objective_value / 1000, 3))
    t0 = time.perf_counter()
    plan = solve_rotation(sc, study)
    end_to_end = time.perf_counter() - t0

    rows = [
        (
            f"prepare: feed, {n_sessions} sessions, participants per room (reachability)",
            f"{prep_s:.2f} s",
        ),
        (
            f"build the model ({n_sessions} sessions × {n_rooms} rooms)",
            f"median {statistics.median(builds):.3f} s",
        ),
        (
            "solve, product settings (1 worker, linearization 2, seed 0)",
            f"median {statistics.median(solves):.3f} s (max {max(solves):.3f}); "
            f"{'/'.join(sorted(statuses))}; objective {'/'.join(map(str, sorted(objectives)))}",
        ),
        (
            "solve_rotation with the feed loaded (sessions, participants, model, solve, read back)",
            f"{end_to_end:.2f} s; proven optimal: {plan.optimal}",
        ),
    ]
    for label, params in [
        ("1 worker, CP-SAT defaults", {"num_workers": 1}),
        ("2 workers, interleaved (deterministic)", {"num_workers": 2, "interleave_search": True}),
        ("8 workers, defaults (not deterministic)", {"num_workers": 8}),
    ]:
        rm = build_model(inp)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 30
        solver.parameters.random_seed = 0
        for key, value in params.items():
            setattr(solver.parameters, key, value)
        t0 = time.perf_counter()
        status = solver.solve(rm.model)
        rows.append(
            (
                f"for contrast: {label}",
                f"{time.perf_counter() - t0:.2f} s; {solver.status_name(status)}; "
                f"objective {solver.objective_value / 1000:.3f}, bound "
                f"{solver.best_objective_bound / 1000:.3f}",
            )
        )

    impossible = load_scenario(IMPOSSIBLE)
    study_i = prepare(impossible, feed)
    t0 = time.perf_counter()
    try:
        solve_rotation(impossible, study_i)
        found = "a plan (unexpected)"
    except NoPlanError as exc:
        found = " + ".join(f"„{r}“" for r in exc.rules)
    rows.append(
        (
            "impossible scenario: detect and explain (one conflict, irreducible)",
            f"{time.perf_counter() - t0:.2f} s: {found}",
        )
    )
    print("| what | result |\n|---|---|")
    for what, value in rows:
        print(f"| {what} | {value} |")


if __name__ == "__main__":
    main()
