"""The ``course-planner`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from course_planner.clock import clock
from course_planner.errors import (
    CoursePlannerError,
    NoPlanError,
    UsageError,
    msg,
    render,
)
from course_planner.exports.bundle import export_bundle, participants
from course_planner.exports.files import write_atomic, write_csv_atomic
from course_planner.exports.handout import LANGUAGES
from course_planner.logs import setup_cli_logging
from course_planner.reach_summary import meeting_days
from course_planner.rotation.plan import solve_rotation
from course_planner.scenario import Scenario, load_scenario
from course_planner.siting import (
    best_sites,
    best_start_times,
    load_candidates,
    unreachable_report,
    with_sites,
)
from course_planner.sources import read_text
from course_planner.transit.on_demand import booked_routes_table
from course_planner.transit.provenance import feed_source
from course_planner.transit.reachability import prepare, reachability_table


def _source(scenario: Scenario) -> None:
    """Where the timetable comes from, under the results that stand on it."""
    print(f"  {render(feed_source(scenario.feed).statement)}")


def _reach(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    study = prepare(scenario)
    dates = meeting_days(study)  # the days the course meets: no holidays, no closures
    table = reachability_table(study, dates=dates)
    write_csv_atomic(table, args.out)
    reach = table.groupby(["place", "site"])["reachable"].all()
    print(
        f"{scenario.name}: {len(study.places)} places × {len(study.sites)} rooms × "
        f"{len(dates)} course dates -> {args.out} ({len(table)} rows)"
    )
    _source(scenario)
    for site in study.network.site_names:
        ok = int(reach.xs(site, level="site").sum())
        print(f"  {site}: reachable on every course date from {ok} of {len(study.places)} places")
    routes = booked_routes_table(list(study.booked_routes))
    if len(routes):
        booked = int(routes["booked"].sum())
        print(
            f"  rides that must be booked: {booked} of {len(routes)} routes with evidence "
            "taken as booked"
        )
    for service in study.zones.services if study.zones else ():
        note = " — ILLUSTRATIVE, not a real service" if service.illustrative else ""
        print(f"  on-demand zone: {service.name}{note}")
    if study.has_booked_rides:
        only = table[table["reason"] == "on_demand_only"]
        pairs = only[["place", "site"]].drop_duplicates()
        print(
            f"  {len(pairs)} place-room pairs come only with a booked ride on some date"
            + (
                ": " + "; ".join(f"{p} → {k}" for p, k in pairs.itertuples(index=False))
                if len(pairs) <= 10
                else ""
            )
        )
    if args.booked_routes:
        write_csv_atomic(routes, args.booked_routes)
        print(f"  routes taken as booked, and why -> {args.booked_routes}")
    return 0


def _zones(args: argparse.Namespace) -> int:
    from course_planner.zone_effect import summarise_effect, zone_effect

    scenario = load_scenario(args.scenario)
    study = prepare(scenario)
    if not study.zones:
        raise UsageError(
            msg("the scenario has no on-demand zone (on_demand:) and its feed none (GTFS-Flex)."),
            file=args.scenario,
            field="on_demand",
            hint=msg("Add a zone under on_demand: (see the README), then ask again."),
        )
    dates = meeting_days(study)
    effect = zone_effect(study, dates)
    write_csv_atomic(effect, args.out)
    print(f"{scenario.name}: {len(dates)} course dates -> {args.out} ({len(effect)} rows)")
    _source(scenario)
    found = summarise_effect(effect, len(dates))
    for service in study.zones.services:
        note = " (ILLUSTRATIVE, not a real service)" if service.illustrative else ""
        mine = [x for x in found if x.service == service.name]
        people = sum({x.place: x.participants for x in mine}.values())
        pairs = len(mine)
        print(f"  {service.name}{note}: reconnects {pairs} place-room pairs, {people} participants")
        for x in mine:
            print(f"    {x.place} → {x.site}: {x.dates} of {x.dates_total} course dates")
    return 0


def _plan(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    plan = solve_rotation(scenario)
    kpis = plan.kpis()
    kpi_text = json.dumps(kpis.as_dict(), ensure_ascii=False, indent=2)  # before any writing
    write_csv_atomic(plan.table(), args.out)
    if args.kpis:
        write_atomic(args.kpis, None, binary=kpi_text.encode("utf-8"))
    quality = "proven optimal" if plan.optimal else "best found within the time limit"
    print(
        f"{scenario.name}: {kpis.sessions} sessions ({kpis.ue} UE, "
        f"{kpis.first_session} … {kpis.last_session}), plan {quality} -> {args.out}"
    )
    for room, values in kpis.rooms.items():
        print(
            f"  {room}: {values.in_person_sessions} sessions in person "
            f"(share {values.share:.0%}, target {values.target_share:.0%}), "
            f"longest wait {values.longest_wait}"
        )
    print(f"  teacher: {kpis.teacher_km:.0f} km, {kpis.teacher_hours:.1f} h of travel")
    print(
        "  penalties paid: "
        + ", ".join(
            f"{name} {p.value:g} {p.unit} × {p.weight:g}" for name, p in kpis.penalties.items()
        )
    )
    return 0


def _compare(args: argparse.Namespace) -> int:
    rows = {}
    for path in args.scenarios:
        scenario = load_scenario(path)
        try:
            rows[Path(path).stem] = solve_rotation(scenario).kpis().row()
        except NoPlanError as exc:
            rows[Path(path).stem] = {"scenario": scenario.name, "no_plan": exc.problem}
    table = pd.DataFrame(rows)
    table.index.name = "kpi"
    print(table.to_string())
    if args.out:
        write_csv_atomic(table, args.out, index=True)
    return 0


def _site(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    candidates = load_candidates(args.candidates) if args.candidates else None
    choice, cand_study, _ = best_sites(scenario, candidates, p=args.p)
    sites = cand_study.sites[["name", "lat", "lon"]].copy()
    sites["chosen"] = sites["name"].isin(choice.sites)
    assigned = choice.assignment.groupby("site")["participants"].agg(["sum", "count"])
    sites["participants_assigned"] = sites["name"].map(assigned["sum"]).fillna(0).astype(int)
    sites["places_assigned"] = sites["name"].map(assigned["count"]).fillna(0).astype(int)
    by_booking = choice.assignment[choice.assignment["booked"]].groupby("site")["participants"]
    sites["participants_booked"] = sites["name"].map(by_booking.sum()).fillna(0).astype(int)
    write_csv_atomic(
        sites.sort_values(["chosen", "participants_assigned"], ascending=False, kind="stable"),
        args.out,
    )
    unit = "participants" if choice.real_counts else "places (no participant numbers)"
    quality = "proven optimal" if choice.optimal else f"gap {choice.gap:.1%}"
    booked = (
        f", {choice.covered_booked} more only with a booked ride (Rufbus/AST/zone)"
        if choice.covered_booked
        else ""
    )
    print(
        f"{scenario.name}: {len(choice.sites)} of {len(sites)} candidate rooms: "
        f"{', '.join(choice.sites)} — reach {choice.covered} of {choice.total} {unit}{booked} "
        f"({quality}) -> {args.out}"
    )
    _source(scenario)
    if args.report:
        chosen = with_sites(scenario, cand_study.sites[cand_study.sites["name"].isin(choice.sites)])
        _write_report(
            unreachable_report(prepare(chosen, cand_study.feed), candidates=cand_study), args.report
        )
    return 0


def _times(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    study = prepare(scenario)
    table, chosen = best_start_times(study)
    write_csv_atomic(table, args.out)
    starts = sorted(set(chosen.values()))
    best = table[table["chosen"]]
    print(
        f"{scenario.name}: best start "
        + (
            ", ".join(f"{room} {clock(t)}" for room, t in chosen.items())
            if len(starts) > 1
            else clock(starts[0])
        )
        + f" — {int(best['participants'].max())} participants reach a room"
        + (
            f", {int(best['participants_booked'].max())} more only with a booked ride"
            if int(best["participants_booked"].max())
            else ""
        )
        + f" (course start now {scenario.course.start}) -> {args.out}"
    )
    _source(scenario)
    if args.report:
        _write_report(unreachable_report(study, start_s=starts[0]), args.report)
    return 0


def _write_report(report: pd.DataFrame, path: str) -> None:
    report = report.assign(smallest_change=report["smallest_change"].map(render))
    write_csv_atomic(report, path)
    print(f"  unreachable places and what would help -> {path}")


def _export(args: argparse.Namespace) -> int:
    what = {w.strip() for w in args.what.split(",") if w.strip()}
    langs = [code.strip() for code in args.lang.split(",") if code.strip()]
    result = export_bundle(
        load_scenario(args.scenario), Path(args.out), what, langs, args.names_list or None
    )
    for warning in result.warnings:
        print(f"course-planner: warning: {warning}", file=sys.stderr)
    print(f"{result.scenario}: {len(result.files)} files -> {args.out}")
    return 0


def _clip(args: argparse.Namespace) -> int:
    from course_planner.transit.clip import ClipArea, clip_feed, parse_bbox

    area = ClipArea(
        county=args.county,
        bbox=parse_bbox(args.bbox) if args.bbox else None,
        polygon=Path(args.polygon) if args.polygon else None,
        buffer_km=args.buffer_km,
    )
    report = clip_feed(args.feed, args.out, area)
    print(report.text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-planner",
        description="Plan hybrid courses: reachability by bus and train, teacher rotation, "
        "rooms and start times, handouts and calendars.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(
        name: str, help_: str, run: Callable[[argparse.Namespace], int], out: str, out_help: str
    ) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_)
        cmd.add_argument("scenario", help="scenario YAML file")
        cmd.add_argument("--out", default=out, help=f"{out_help} (default {out})")
        cmd.set_defaults(run=run)
        return cmd

    report_help = "also write the unreachable places and what would help"
    reach = command(
        "reach",
        "which places reach which course room on each date",
        _reach,
        "reach.csv",
        "CSV to write",
    )
    reach.add_argument(
        "--booked-routes",
        help="also write the routes taken (or offered) as rides that must be booked, and why",
    )
    command(
        "zones",
        "what each on-demand zone brings: the places, rooms and dates it reconnects",
        _zones,
        "zones.csv",
        "CSV to write",
    )
    plan = command(
        "plan", "the teacher's rotation over the term", _plan, "plan.csv", "CSV to write"
    )
    plan.add_argument("--kpis", help="also write the KPIs as JSON to this file")
    compare = sub.add_parser("compare", help="KPIs of several scenarios side by side")
    compare.add_argument("scenarios", nargs="+", help="scenario YAML files")
    compare.add_argument("--out", help="also write the comparison as CSV")
    compare.set_defaults(run=_compare)
    site = command(
        "site",
        "choose the course rooms that reach the most people",
        _site,
        "sites.csv",
        "CSV to write",
    )
    site.add_argument("--candidates", help="CSV name,lat,lon (default: the scenario's places)")
    site.add_argument("--p", type=int, help="how many rooms (default: siting.p, 3)")
    site.add_argument("--report", help=report_help)
    times = command(
        "times", "the start time that reaches the most people", _times, "times.csv", "CSV to write"
    )
    times.add_argument("--report", help=report_help)
    export = command(
        "export",
        "participant handouts, calendar files and office tables",
        _export,
        "export",
        "folder to write",
    )
    export.add_argument(
        "--what",
        default="handouts,ics,tables",
        help="handouts, ics, tables (comma-separated; default all)",
    )
    export.add_argument(
        "--lang",
        default="en",
        help="participant languages of the handouts: "
        + ",".join(LANGUAGES)
        + " (comma-separated; German is always included)",
    )
    export.add_argument(
        "--names",
        help="text file with one participant per line, 'name' or "
        "'name;village': a handout each, for that village or else for every "
        "village (names are printed, never stored)",
    )
    clip = sub.add_parser("clip", help="cut a county (or an area) out of a large GTFS feed")
    clip.add_argument("feed", help="GTFS zip (or folder), e.g. the NWL, NRW or DELFI feed")
    where = clip.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--county",
        help="county key (AGS, 5 digits), e.g. 05766 for Kreis "
        "Lippe: its stops are those with ids beginning de:05766:",
    )
    where.add_argument("--bbox", help="min_lon,min_lat,max_lon,max_lat in degrees")
    where.add_argument("--polygon", help="GeoJSON file with a Polygon or MultiPolygon")
    clip.add_argument(
        "--buffer-km",
        type=float,
        default=10.0,
        help="also keep stops this close to the area (default 10)",
    )
    clip.add_argument("--out", required=True, help="GTFS zip to write")
    clip.set_defaults(run=_clip)
    return parser


def _check_options(args: argparse.Namespace) -> None:
    """Options checked before anything is read or written (exit 2 with one message)."""
    if getattr(args, "p", None) is not None and args.p < 1:
        raise UsageError(
            msg("--p must be at least 1 (got {p}): how many course rooms to choose.", p=args.p),
            field="--p",
        )
    if getattr(args, "lang", None) is not None:
        langs = [code.strip() for code in args.lang.split(",") if code.strip()]
        unknown = [code for code in langs if code not in LANGUAGES]
        if unknown or not langs:
            raise UsageError(
                msg(
                    "--lang: unknown language(s) {value}.",
                    value=", ".join(unknown) or "(none given)",
                ),
                field="--lang",
                hint=msg(
                    "Available: {languages} (comma-separated; German is always included).",
                    languages=", ".join(LANGUAGES),
                ),
            )
    if getattr(args, "names", None):
        args.names_list = participants(read_names(args.names))
    elif hasattr(args, "names"):
        args.names_list = []


def read_names(path: str | Path) -> list[str]:
    """Participant names, one a line (blank lines skipped); an empty file is an error."""
    names = [
        " ".join(line.split())
        for line in read_text(path, what="names file", max_mb=4).splitlines()
        if line.strip()
    ]
    if not names:
        raise UsageError(
            msg("the names file holds no name."),
            file=path,
            field="--names",
            hint=msg("Write one participant name per line, or leave out --names."),
        )
    return names


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_cli_logging()
    try:
        _check_options(args)
        return args.run(args)
    except CoursePlannerError as exc:
        print(f"course-planner: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the output folder is not writable
        print(f"course-planner: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
