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
import time
from pathlib import Path

from pypdf import PdfWriter

from course_planner.exports.handout import HandoutPress, handout_content
from course_planner.exports.schedule import home_rooms
from course_planner.rotation.plan import solve_rotation
from course_planner.scenario import load_scenario
from course_planner.transit.reachability import prepare, reachability_table

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
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
    sets: dict[str, PdfWriter] = {}
    with HandoutPress(args.workers) as press:
        contents = {place: handout_content(plan, study, place, rooms[place]) for place in places}
        who = [places[i % len(places)] for i in range(args.participants)]
        jobs = [(contents[place], args.lang, f"Person {i + 1}") for i, place in enumerate(who)]
        pdfs = press.render(jobs)
    for place, pdf in zip(who, pdfs, strict=True):
        if rooms[place]:
            sets.setdefault(rooms[place], PdfWriter()).append(io.BytesIO(pdf))
    for writer in sets.values():
        writer.write(io.BytesIO())
    total = time.perf_counter() - t0
    print(
        f"{args.participants} handouts ({args.lang}), {dates} course dates, "
        f"{len(places)} places, {press.workers} worker(s): {total:.1f} s in all "
        f"(with the connections of every place, the press's start and "
        f"{len(sets)} class sets)"
    )


if __name__ == "__main__":
    main()
