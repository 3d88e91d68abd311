"""Handouts for N participants over a term of about 40 course dates (target: 100 × 40 ≤ 10 s).

    python3 benchmarks/handouts.py --participants 100 --lang en

The default scenario (Lippe), its term stretched to 40 course dates, the participants spread
over its places in turn (reachable or not); the teacher's plan and the reachability are
computed once beforehand and not timed. Timed: the handout PDFs (one per participant) and the
class sets joined from them.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

from pypdf import PdfWriter

from course_planner.exports.handout import handout_pdf
from course_planner.exports.schedule import home_rooms
from course_planner.rotation.plan import solve_rotation
from course_planner.scenario import load_scenario
from course_planner.transit.reachability import prepare, reachability_table

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "lippe-2026.yaml")
    course = scenario.course.model_copy(
        update={"end_date": scenario.course.start_date.replace(month=7, day=10)}
    )
    scenario = scenario.model_copy(update={"course": course})
    study = prepare(scenario)
    plan = solve_rotation(scenario, study)
    dates = plan.sessions["date"].nunique()
    rooms = home_rooms(study, reachability_table(study))
    places = list(rooms)
    t0 = time.perf_counter()
    times, sets = [], {}
    for i in range(args.participants):
        place = places[i % len(places)]
        t = time.perf_counter()
        pdf = handout_pdf(plan, study, place, rooms[place], args.lang, f"Person {i + 1}")
        times.append(time.perf_counter() - t)
        if rooms[place]:
            sets.setdefault(rooms[place], PdfWriter()).append(io.BytesIO(pdf))
    for writer in sets.values():
        writer.write(io.BytesIO())
    total = time.perf_counter() - t0
    print(
        f"{args.participants} handouts ({args.lang}), {dates} course dates, "
        f"{len(places)} places: {total:.1f} s in all (with {len(sets)} class sets); "
        f"per handout median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    )


if __name__ == "__main__":
    main()
