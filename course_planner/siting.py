"""Which rooms, which hour: exact choice over the reachability table, and what would make
each village that stays unreachable reachable.

A place *reaches* a room when it can get there and back within the travel limit on at least
``siting.min_share_of_dates`` of the course dates. Participants are the places'
``participants`` (when no place has any, every place counts 1 and the results say so).

On-demand transport counts as an option with its own weight: a place that reaches a room on
enough dates only with a booked ride (Rufbus, AST, a zone service) counts ``1 − cost`` of its
participants, ``cost`` being the service's ``cost_weight`` (it costs the county money; 0: as
good as a bus, 1: not counted). The results say how many come only that way.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from course_planner.clock import clock, clock_to_seconds
from course_planner.coordinates import haversine_m
from course_planner.errors import ScenarioError, msg
from course_planner.places import load_places
from course_planner.reach_summary import meeting_days
from course_planner.scenario import Scenario, Site
from course_planner.transit.feed import Feed
from course_planner.transit.reachability import Study, prepare, reachability_table

SCALE = 100  # CP-SAT weighs in whole numbers: a participant reached by bus counts 100

NO_TRANSIT = msg("no public transport: on-demand bus (Rufbus/AST) or online attendance needed")


# --------------------------------------------------------------------------- inputs


def load_candidates(path: str | Path) -> pd.DataFrame:
    """Candidate rooms from a CSV with name,lat,lon (other columns are ignored)."""
    return load_places(path)[["name", "lat", "lon"]]


def with_sites(scenario: Scenario, sites: pd.DataFrame) -> Scenario:
    """The scenario with other rooms (name, lat, lon)."""
    rooms = [
        Site(name=str(r.name), lat=float(r.lat), lon=float(r.lon))
        for r in sites.itertuples(index=False)
    ]
    return scenario.model_copy(update={"sites": rooms})


def candidate_study(
    scenario: Scenario, candidates: pd.DataFrame | None = None, feed: Feed | None = None
) -> Study:
    """A study whose rooms are the candidates (default: every place of the scenario)."""
    if candidates is None:
        base = prepare(scenario, feed)
        candidates = base.places[["name", "lat", "lon"]]
        feed = base.feed
    return prepare(with_sites(scenario, candidates), feed)


def weights(study: Study) -> tuple[pd.Series, bool]:
    """Participants per place, and whether they are real counts (False: 1 per place)."""
    counts = study.places.set_index("name")["participants"].astype("Float64").fillna(0)
    if counts.sum() > 0:
        return counts.astype(int), True
    return pd.Series(1, index=counts.index), False


def needed_dates(study: Study) -> int:
    n = len(meeting_days(study))
    return max(1, math.ceil(study.scenario.siting.min_share_of_dates * n - 1e-9))


def coverage(table: pd.DataFrame, need: int) -> pd.DataFrame:
    """place × room: True where the place reaches the room on at least ``need`` dates."""
    counts = table.groupby(["place", "site"], sort=False)["reachable"].sum().unstack()
    return counts >= need


def booked_value(study: Study, table: pd.DataFrame, need: int) -> pd.DataFrame:
    """place × room: ``1 − cost`` where the place reaches the room on at least ``need``
    dates only with booked rides counted (the cost of the dearest service it books), else 0.
    """
    costs = {z.name: z.cost_weight for z in (study.zones.services if study.zones else ())}
    default = study.scenario.on_demand_routes.cost_weight

    def cost(services: str) -> float:
        names = [n for n in str(services).split("; ") if n]
        return max((costs.get(n, default) for n in names), default=0.0)

    rows = table.assign(cost=table["booked_services"].map(cost))
    grouped = rows.groupby(["place", "site"], sort=False)
    counts = grouped["reachable_booked"].sum().unstack()
    dearest = grouped["cost"].max().unstack()
    only = (counts >= need) & ~coverage(table, need)
    return (1 - dearest).where(only, 0.0).clip(lower=0.0)


# --------------------------------------------------------------------------- rooms


@dataclass(frozen=True, eq=False)
class SiteChoice:
    """The chosen rooms; ``assignment``: place, participants, site ('' = none reachable)."""

    sites: list[str]
    assignment: pd.DataFrame
    covered: int
    total: int
    optimal: bool
    bound: float
    real_counts: bool
    covered_booked: int = 0  # participants who come only with a booked ride (not in covered)
    value: float | None = None  # the objective: covered + (1 − cost) × covered_booked

    @property
    def gap(self) -> float:
        value = self.covered if self.value is None else self.value
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - value) / self.bound)


def choose_sites(
    cover: pd.DataFrame,
    weight: pd.Series,
    p: int,
    *,
    keep: tuple[str, ...] = (),
    capacity: int | None = None,
    coords: pd.DataFrame | None = None,
    min_distance_km: float | None = None,
    time_limit_s: float = 30,
    seed: int = 0,
    real_counts: bool = True,
    booked: pd.DataFrame | None = None,
) -> SiteChoice:
    """Choose ``p`` rooms (columns of ``cover``) maximising the participants who reach the
    room they are assigned to (CP-SAT; one worker, deterministic).

    ``keep``: rooms that must be chosen; ``capacity``: most participants per room;
    ``min_distance_km`` (with ``coords``: name → lat, lon): no two rooms closer than that;
    ``booked`` (place × room, from :func:`booked_value`): a place that reaches a room only
    with a booked ride counts that share of its participants.
    """
    rooms = list(cover.columns)
    places = list(cover.index)
    unknown = [k for k in keep if k not in rooms]
    if unknown:
        raise ScenarioError(
            msg("siting.keep names unknown room(s): {unknowns}.", unknowns=", ".join(unknown)),
            field="siting.keep",
            hint=msg("Candidates: {rooms}.", rooms=", ".join(rooms)),
        )
    if p > len(rooms) or len(keep) > p:
        raise ScenarioError(
            msg(
                "cannot choose {p} rooms from {n_rooms} candidates keeping {n_keep}.",
                p=p,
                n_rooms=len(rooms),
                n_keep=len(keep),
            ),
            field="siting.p",
        )
    w = [int(weight.get(pl, 0)) for pl in places]
    m = cp_model.CpModel()
    y = {r: m.new_bool_var(f"open[{r}]") for r in rooms}
    m.add(sum(y.values()) == p)
    for r in keep:
        m.add(y[r] == 1)
    a: dict[tuple[int, str], cp_model.IntVar] = {}
    share: dict[tuple[int, str], int] = {}  # per assignment: hundredths of a participant
    for i, pl in enumerate(places):
        options = {r: SCALE for r in rooms if bool(cover.at[pl, r])}
        if booked is not None and pl in booked.index:
            for r in rooms:
                value = float(booked.at[pl, r]) if r in booked.columns else 0.0
                if r not in options and value > 0:
                    options[r] = round(SCALE * value)
        if not options or w[i] == 0:
            continue
        for r in options:
            a[i, r] = m.new_bool_var(f"assign[{i},{r}]")
            share[i, r] = options[r]
            m.add_implication(a[i, r], y[r])
        m.add_at_most_one(a[i, r] for r in options)
    if capacity is not None:
        for r in rooms:
            m.add(sum(w[i] * v for (i, rr), v in a.items() if rr == r) <= capacity)
    if min_distance_km:
        if coords is None:
            raise ValueError("min_distance_km needs coords")
        xy = coords.set_index("name").loc[rooms]
        for r1, r2 in itertools.combinations(rooms, 2):
            d = (
                float(
                    haversine_m(
                        xy.at[r1, "lat"], xy.at[r1, "lon"], xy.at[r2, "lat"], xy.at[r2, "lon"]
                    )
                )
                / 1000
            )
            if d < min_distance_km:
                m.add(y[r1] + y[r2] <= 1)
    m.maximize(sum(w[i] * share[i, r] * v for (i, r), v in a.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = 2
    solver.parameters.max_deterministic_time = time_limit_s
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        raise ScenarioError(
            msg(
                "no choice of rooms fits siting.keep, siting.p and siting.min_distance_km together."
            ),
            field="siting",
            hint=msg("Lower min_distance_km or keep fewer rooms."),
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ScenarioError(
            msg("no choice of rooms found within siting.time_limit_s."),
            field="siting.time_limit_s",
            hint=msg("Raise the time limit."),
        )
    chosen = [r for r in rooms if solver.value(y[r])]
    site_of = {i: r for (i, r), v in a.items() if solver.value(v)}
    by_booking = {i for i, r in site_of.items() if share[i, r] < SCALE}
    assignment = pd.DataFrame(
        {
            "place": places,
            "participants": w,
            "site": [site_of.get(i, "") for i in range(len(places))],
            "booked": [i in by_booking for i in range(len(places))],
        }
    )
    covered = int(sum(w[i] for i in site_of if i not in by_booking))
    return SiteChoice(
        chosen,
        assignment,
        covered,
        int(sum(w)),
        status == cp_model.OPTIMAL,
        float(solver.best_objective_bound) / SCALE,
        real_counts,
        covered_booked=int(sum(w[i] for i in by_booking)),
        value=float(solver.objective_value) / SCALE,
    )


def best_sites(
    scenario: Scenario,
    candidates: pd.DataFrame | None = None,
    feed: Feed | None = None,
    p: int | None = None,
    study: Study | None = None,
) -> tuple[SiteChoice, Study, pd.DataFrame]:
    """Choose rooms for a scenario among candidates (default: all its places)."""
    s = study or candidate_study(scenario, candidates, feed)
    table = reachability_table(s, dates=meeting_days(s))
    cover = coverage(table, needed_dates(s))
    booked = booked_value(s, table, needed_dates(s)) if s.has_booked_rides else None
    weight, real = weights(s)
    cfg = scenario.siting
    choice = choose_sites(
        cover,
        weight,
        p or cfg.p,
        keep=tuple(cfg.keep),
        capacity=cfg.capacity,
        coords=s.sites[["name", "lat", "lon"]],
        min_distance_km=cfg.min_distance_km,
        time_limit_s=cfg.time_limit_s,
        real_counts=real,
        booked=booked,
    )
    return choice, s, table


# --------------------------------------------------------------------------- start times


def start_times(scenario: Scenario) -> list[int]:
    """Candidate start times (seconds) inside the scenario's window and childcare hours."""
    cfg, course = scenario.siting, scenario.course
    duration = course.end_s - course.start_s
    first, last = clock_to_seconds(cfg.earliest_start), clock_to_seconds(cfg.latest_start)
    lo = clock_to_seconds(cfg.start_not_before) if cfg.start_not_before else 0
    hi = clock_to_seconds(cfg.end_by) if cfg.end_by else 48 * 3600
    times = [t for t in range(first, last + 1, cfg.step_min * 60) if t >= lo and t + duration <= hi]
    if not times:
        raise ScenarioError(
            msg(
                (
                    "no start time fits between earliest_start and latest_start "
                    "and inside the childcare window (start_not_before … end_by) "
                    "for a course of {duration} minutes."
                ),
                duration=duration // 60,
            ),
            field="siting",
            hint=msg("Widen the window or shorten the course."),
        )
    return times


def time_coverage(study: Study, times: list[int]) -> dict[int, pd.DataFrame]:
    """For each start time: place × room coverage (course length fixed)."""
    return {t: cover for t, (cover, _) in time_values(study, times).items()}


def time_values(study: Study, times: list[int]) -> dict[int, tuple[pd.DataFrame, pd.DataFrame]]:
    """For each start time: place × room coverage by scheduled service, and the value of
    reaching only with a booked ride (:func:`booked_value`; all 0 without booked rides)."""
    duration = study.scenario.course.end_s - study.scenario.course.start_s
    need, days = needed_dates(study), meeting_days(study)
    out = {}
    for t in times:
        table = reachability_table(study, start_s=t, end_s=t + duration, dates=days)
        cover = coverage(table, need)
        booked = (
            booked_value(study, table, need)
            if study.has_booked_rides
            else cover.astype(float) * 0.0
        )
        out[t] = (cover, booked)
    return out


def best_start_times(
    study: Study, times: list[int] | None = None, per_room: bool | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Participants reached per start time, and the best start (common, or per room).

    Returns (table with start, end, places, participants, participants_booked, value
    [, per-room columns]), and the chosen start per room: the one of the highest value
    (participants by bus, plus those only by a booked ride at ``1 − cost``). Per room,
    every combination of times is tried (exact).
    """
    scenario = study.scenario
    times = times or start_times(scenario)
    per_room = scenario.siting.per_room_times if per_room is None else per_room
    duration = scenario.course.end_s - scenario.course.start_s
    values = time_values(study, times)
    weight, _ = weights(study)
    rooms = list(study.network.site_names)
    rows = []
    for t in times:
        cov, booked = values[t]
        reach_any = cov.any(axis=1)
        best_booked = booked.max(axis=1).where(~reach_any, 0.0)
        only_booked = best_booked > 0
        w = weight.reindex(cov.index).fillna(0)
        rows.append(
            {
                "start": clock(t),
                "end": clock(t + duration),
                "places": int(reach_any.sum()),
                "participants": int(w[reach_any].sum()),
                "participants_booked": int(w[only_booked].sum()),
                "value": round(float(w[reach_any].sum() + (w * best_booked).sum()), 2),
                **{f"participants {r}": int(w[cov[r]].sum()) for r in rooms},
            }
        )
    table = pd.DataFrame(rows)
    if not per_room:  # ties go to the earliest start (stable sort)
        best = times[int(table["value"].to_numpy().argmax())]
        chosen = dict.fromkeys(rooms, best)
    else:
        if len(times) ** len(rooms) > 200_000:
            raise ScenarioError(
                msg("too many combinations of per-room start times."),
                field="siting.per_room_times",
                hint=msg("Use a larger step_min or a common start time."),
            )
        w = weight.reindex(values[times[0]][0].index).fillna(0).to_numpy()
        # per (time, room) and place: 1 by bus, 1 − cost only with a booked ride, else 0
        columns = {
            (t, r): np.maximum(values[t][0][r].to_numpy(float), values[t][1][r].to_numpy(float))
            for t in times
            for r in rooms
        }
        best_value, chosen = -1.0, {}
        for combo in itertools.product(times, repeat=len(rooms)):
            reached = np.zeros(len(w))
            for t, r in zip(combo, rooms, strict=True):
                reached = np.maximum(reached, columns[t, r])
            value = float((w * reached).sum())
            if value > best_value + 1e-9:
                best_value, chosen = value, dict(zip(rooms, combo, strict=True))
    table["chosen"] = [
        all(chosen[r] == t for r in rooms) if not per_room else any(chosen[r] == t for r in rooms)
        for t in times
    ]
    return table, chosen


# --------------------------------------------------------------------------- the report


def unreachable_report(
    study: Study,
    start_s: int | None = None,
    candidates: Study | None = None,
    times: list[int] | None = None,
) -> pd.DataFrame:
    """For each place that reaches none of the study's rooms: why, and the smallest change
    that would make it reachable — another start time, a longer travel limit, another
    candidate room — or that public transport cannot help."""
    scenario = study.scenario
    course, travel = scenario.course, scenario.travel
    start = course.start_s if start_s is None else start_s
    duration = course.end_s - course.start_s
    need = needed_dates(study)
    days = meeting_days(study)
    table = reachability_table(study, start_s=start, end_s=start + duration, dates=days)
    cover = coverage(table, need)
    weight, _ = weights(study)
    lost = [p for p in cover.index if not cover.loc[p].any()]
    if not lost:
        return pd.DataFrame(
            columns=[
                "place",
                "participants",
                "reason",
                "by_start_time",
                "by_travel_limit_min",
                "by_other_room",
                "smallest_change",
            ]
        )
    times = times or start_times(scenario)
    other_cov = time_coverage(study, [t for t in times if t != start])
    other_rooms = None
    if candidates is not None:
        cand_table = reachability_table(
            candidates, start_s=start, end_s=start + duration, dates=days
        )
        other_rooms = coverage(cand_table, need)
    rows = []
    for place in lost:
        mine = table[table["place"] == place]
        reason = mine["reason"].value_counts().index[0]
        by_time = None
        for t in sorted(other_cov, key=lambda t: (abs(t - start), t)):
            if other_cov[t].loc[place].any():
                by_time = t
                break
        # the smallest travel limit that would do, on the needed number of dates
        longest = np.maximum(
            mine["outbound_min"].astype("Float64"), mine["return_min"].astype("Float64")
        )
        per_room = (
            mine.assign(longest=longest)
            .dropna(subset=["longest"])
            .groupby("site")["longest"]
            .apply(lambda s: sorted(s)[need - 1] if len(s) >= need else None)
            .dropna()
        )
        limit = int(per_room.min()) if len(per_room) else None
        room = None
        if candidates is not None and other_rooms is not None and place in other_rooms.index:
            options = [
                r
                for r in other_rooms.columns
                if other_rooms.at[place, r] and r not in study.network.site_names
            ]
            if options:  # the nearest one beyond walking distance (a room in the village
                # itself is always "reachable" and says nothing new)
                lat, lon = study.places.set_index("name").loc[place, ["lat", "lon"]]
                sites = candidates.sites.set_index("name").loc[options]
                dist = haversine_m(lat, lon, sites["lat"].to_numpy(), sites["lon"].to_numpy())
                far = dist > travel.max_access_walk_m
                if far.any():
                    room = options[int(np.argmin(np.where(far, dist, np.inf)))]
        changes = []
        if by_time is not None:
            changes.append(
                (abs(by_time - start) / 60, msg("course start {time}", time=clock(by_time)))
            )
        if limit is not None:
            changes.append(
                (
                    limit - travel.max_travel_min,
                    msg("allow travel up to {minutes} min", minutes=limit),
                )
            )
        if room is not None:
            changes.append((math.inf, msg("other course room: {room}", room=room)))
        smallest = min(changes, key=lambda c: c[0])[1] if changes else NO_TRANSIT
        rows.append(
            {
                "place": place,
                "participants": int(weight.get(place, 0)),
                "reason": reason,
                "by_start_time": clock(by_time) if by_time is not None else "",
                "by_travel_limit_min": limit,
                "by_other_room": room or "",
                "smallest_change": smallest,
            }
        )
    report = pd.DataFrame(rows)
    report["by_travel_limit_min"] = report["by_travel_limit_min"].astype("Int64")
    return report
