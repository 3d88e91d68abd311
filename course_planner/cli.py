"""The ``course-planner`` command."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from course_planner.errors import CoursePlannerError
from course_planner.scenario import load_scenario
from course_planner.transit.reachability import prepare, reachability_table


def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a CSV so that a crash never leaves a half-written file behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _reach(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    study = prepare(scenario)
    table = reachability_table(study)
    write_csv_atomic(table, args.out)
    reach = table.groupby(["place", "site"])["reachable"].all()
    print(f"{scenario.name}: {len(study.places)} places × {len(study.sites)} rooms × "
          f"{len(study.dates)} course dates -> {args.out} ({len(table)} rows)")
    for site in study.network.site_names:
        ok = int(reach.xs(site, level="site").sum())
        print(f"  {site}: reachable on every course date from {ok} of {len(study.places)} "
              "places")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-planner",
        description="Plan hybrid courses: reachability by bus and train, teacher rotation.")
    sub = parser.add_subparsers(dest="command", required=True)
    reach = sub.add_parser("reach", help="which places reach which course room on each date")
    reach.add_argument("scenario", help="scenario YAML file")
    reach.add_argument("--out", default="reach.csv", help="CSV to write (default reach.csv)")
    reach.set_defaults(run=_reach)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CoursePlannerError as exc:
        print(f"course-planner: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the output folder is not writable
        print(f"course-planner: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
