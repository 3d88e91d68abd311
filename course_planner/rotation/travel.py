"""The teacher's travel between home base and rooms, and the participants of each room."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from course_planner.coordinates import haversine_m
from course_planner.scenario import Scenario, Teacher
from course_planner.transit.reachability import Study, prepare, reachability_table


@dataclass(frozen=True, eq=False)
class TeacherTravel:
    """Travel of the teacher between node 0 (home base) and nodes 1..R (the rooms).

    ``km[i, j]``: road distance estimate (straight line × road factor).
    By car the minutes follow from ``car_speed_kmh``; by public transport they come from the
    transit engine for each date and time (``None``: no connection).
    """

    teacher: Teacher
    km: np.ndarray
    study: Study | None = None  # transit mode: places = [base, room 1, …, room R]
    arrive_before_s: float = 0
    leave_after_s: float = 0

    @property
    def mode(self) -> str:
        return self.teacher.travel_mode

    def minutes_by_car(self, i: int, j: int) -> float:
        return float(self.km[i, j] / self.teacher.car_speed_kmh * 60)

    @property
    def transit(self) -> Study:
        """The study of the teacher's journeys (transit mode only)."""
        if self.study is None:
            raise TypeError("the teacher travels by car: there is no transit study")
        return self.study

    def to_room(self, day: dt.date, room: int, start_s: int) -> float | None:
        """Minutes from leaving home to the session start in ``room`` (None: impossible)."""
        if self.mode == "car":
            return self.minutes_by_car(0, room + 1)
        scan = self.transit.arrive_by(room, day, start_s - self.arrive_before_s)
        depart = scan.place_depart[0]
        return None if not np.isfinite(depart) else (start_s - depart) / 60

    def home_from(self, day: dt.date, room: int, end_s: int) -> float | None:
        """Minutes from the session end in ``room`` to arriving home (None: impossible)."""
        if self.mode == "car":
            return self.minutes_by_car(room + 1, 0)
        scan = self.transit.leave_at(room, day, end_s + self.leave_after_s)
        arrive = scan.place_arrive[0]
        return None if not np.isfinite(arrive) else (arrive - end_s) / 60

    def between(self, day: dt.date, a: int, end_s: int, b: int) -> float | None:
        """Minutes from the end of a session in room ``a`` to arriving at room ``b``."""
        if a == b:
            return 0.0
        if self.mode == "car":
            return self.minutes_by_car(a + 1, b + 1)
        scan = self.transit.leave_at(a, day, end_s + self.leave_after_s)
        arrive = scan.place_arrive[b + 1]
        return None if not np.isfinite(arrive) else (arrive - end_s) / 60


def teacher_travel(scenario: Scenario, study: Study | None = None) -> TeacherTravel | None:
    """The teacher's travel for a scenario (None when the scenario has no teacher)."""
    teacher = scenario.teacher
    if teacher is None:
        return None
    nodes = [(teacher.base.lat, teacher.base.lon)] + [(s.lat, s.lon) for s in scenario.sites]
    lat = np.array([n[0] for n in nodes])
    lon = np.array([n[1] for n in nodes])
    km = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :]) / 1000
    km = km * teacher.road_factor
    if teacher.travel_mode != "transit":
        return TeacherTravel(teacher, km)
    places = pd.DataFrame(
        {
            "name": [f"{teacher.base.name} (Lehrkraft)"] + [s.name for s in scenario.sites],
            "lat": lat,
            "lon": lon,
            "participants": pd.array([pd.NA] * len(nodes), dtype="Int64"),
            "stop_id": [None] * len(nodes),
        }
    )
    feed = study.feed if study is not None else None
    return TeacherTravel(
        teacher,
        km,
        prepare(scenario, feed, places=places),
        scenario.travel.arrive_before_min * 60,
        scenario.travel.leave_after_min * 60,
    )


def participants_per_site(
    scenario: Scenario, study: Study | None = None
) -> tuple[dict[str, int], pd.DataFrame]:
    """Participants of each room, and how each place was assigned.

    Rooms with ``participants`` in the scenario keep that number. Otherwise each place's
    participants go to the room it reaches on the most course dates (then the shortest way
    there); places that reach no room stay unassigned (room empty in the table).
    """
    names = [s.name for s in scenario.sites]
    given = {s.name: s.participants for s in scenario.sites if s.participants is not None}
    if len(given) == len(names):
        return given, pd.DataFrame(columns=["place", "participants", "site", "dates_reachable"])
    if study is None:
        study = prepare(scenario)
    table = reachability_table(study)
    counts = study.places.set_index("name")["participants"]
    summary = (
        table.assign(out=table["outbound_min"].astype("Float64"))
        .groupby(["place", "site"], sort=False)
        .agg(dates=("reachable", "sum"), out=("out", "median"))
        .reset_index()
    )
    rows = []
    for place, group in summary.groupby("place", sort=False):
        n = counts.get(place)
        n = 0 if n is None or pd.isna(n) else int(n)
        group = group.assign(order=group["site"].map(names.index))
        best = group.sort_values(
            ["dates", "out", "order"], ascending=[False, True, True], na_position="last"
        ).iloc[0]
        site = best["site"] if best["dates"] > 0 else None
        rows.append(
            {"place": place, "participants": n, "site": site, "dates_reachable": int(best["dates"])}
        )
    assignment = pd.DataFrame(rows)
    result = dict.fromkeys(names, 0)
    for rec in assignment.itertuples(index=False):
        if isinstance(rec.site, str):
            result[rec.site] += rec.participants
    result.update(given)
    return result, assignment
