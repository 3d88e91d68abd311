"""The rotation as a CP-SAT model: where the teacher is in person, session by session.

Variables: ``x[s][r]`` = the teacher is in room r in session s.

Hard rules (each one can carry the author's ``label``; see :mod:`.explain`):
exactly one room per session (none when the teacher is away); room availability (weekdays,
dates); teacher unavailability; pinned sessions; the opening round (every room in person
once in the first R sessions); the longest wait (no room more than k sessions without the
teacher); the travel between two sessions of one day fits the break; by public transport
the teacher can get there and home.

Soft rules, each a named penalty with a weight from the scenario: ``share`` (sessions off
each room's target share), ``travel_time`` (hours), ``travel_distance`` (km), ``streak``
(sessions beyond ``max_streak`` in a row in the same room).

Determinism: one worker, a fixed seed and a *deterministic* time limit
(``max_deterministic_time``, in CP-SAT's deterministic seconds), so the same scenario gives
the same plan on any machine load, also when the limit is reached. Across OR-Tools versions
the plan may differ (among plans of equal cost).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field

import pandas as pd
from ortools.sat.python import cp_model

from course_planner.calendar import term_sessions
from course_planner.errors import NoTeacherError, ScenarioError
from course_planner.logs import get_logger
from course_planner.rotation.travel import TeacherTravel, participants_per_site, teacher_travel
from course_planner.scenario import Scenario
from course_planner.transit.reachability import Study

log = get_logger(__name__)

SCALE = 1000  # objective units per unit of weighted penalty, at least (see objective_scale)
RESOLUTION = 10  # the smallest weight's unit cost is at least this many objective units
MAX_OBJECTIVE = 2.0**50  # CP-SAT's integer objective stays well inside int64

PENALTIES = {  # name -> (unit, explanation)
    "share": ("Sitzungen", "Abweichung der Präsenzsitzungen je Raum vom Zielanteil"),
    "travel_time": ("Stunden", "Fahrzeit der Lehrkraft im Kurszeitraum"),
    "travel_distance": ("km", "Fahrstrecke der Lehrkraft im Kurszeitraum"),
    "streak": ("Sitzungen", "Präsenz öfter als max_streak-mal hintereinander im selben Raum"),
}


@dataclass(frozen=True)
class HardRule:
    """A hard rule of the scenario, in the author's words (``label``)."""

    key: str
    label: str


@dataclass(eq=False)
class RotationInput:
    """Everything the model needs, derived from a scenario."""

    scenario: Scenario
    sessions: pd.DataFrame
    skipped: pd.DataFrame
    sites: list[str]
    participants: dict[str, int]
    target: dict[str, float]
    travel: TeacherTravel | None
    assignment: pd.DataFrame = field(default_factory=pd.DataFrame)


def rotation_input(scenario: Scenario, study: Study | None = None) -> RotationInput:
    """Sessions, participants per room, target shares and the teacher's travel."""
    if scenario.teacher is None:
        raise NoTeacherError(file=str(scenario.source_file or scenario.name))
    sessions, skipped = term_sessions(scenario.course, source=scenario.source_file)
    if sessions.empty:
        raise ScenarioError("the term has no session: every course date is a holiday or "
                            "closed.", file=str(scenario.source_file or "scenario"),
                            field="course")
    sites = [s.name for s in scenario.sites]
    target_kind = scenario.rotation.target
    # participants per room: for the target share and for the KPIs, whatever the target
    participants, assignment = participants_per_site(scenario, study)
    if isinstance(target_kind, dict):
        weights = {n: float(target_kind.get(n, 0)) for n in sites}
    elif target_kind == "participants" and sum(participants.values()) > 0:
        weights = {n: float(participants[n]) for n in sites}
    else:
        weights = dict.fromkeys(sites, 1.0)
    total = sum(weights.values()) or 1.0
    target = {n: w / total for n, w in weights.items()}
    travel = teacher_travel(scenario, study)
    return RotationInput(scenario, sessions, skipped, sites, participants, target, travel,
                         assignment)


# --------------------------------------------------------------------------- the model


@dataclass(eq=False)
class RotationModel:
    """A built CP-SAT model with its variables and the literal of every hard rule."""

    inp: RotationInput
    explain: bool
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: list[list[cp_model.IntVar]] = field(default_factory=list)
    rules: list[tuple[cp_model.IntVar, HardRule]] = field(default_factory=list)
    penalty_terms: dict[str, list[tuple[float, cp_model.IntVar | int]]] = field(
        default_factory=dict)
    # per (s, r): minutes and km the choice adds to the teacher's travel
    travel_of: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    # per (s1, s2, r1, r2): pair variable and its extra minutes / km
    pair_travel: list[tuple[cp_model.IntVar, float, float, int, int, int, int]] = field(
        default_factory=list)
    away: set[int] = field(default_factory=set)
    scale: float = SCALE  # objective units per unit of weighted penalty

    def rule(self, key: str, label: str) -> cp_model.IntVar | None:
        """A new rule: its enforcement literal in explain mode, else None (always on)."""
        if not self.explain:
            return None
        lit = self.model.new_bool_var(f"rule:{key}")
        self.rules.append((lit, HardRule(key, label)))
        return lit

    def add(self, constraint, lit) -> None:
        ct = self.model.add(constraint)
        if lit is not None:
            ct.only_enforce_if(lit)


def build_model(inp: RotationInput, explain: bool = False) -> RotationModel:
    """Build the rotation model; with ``explain`` every hard rule gets an enforcement
    literal and there is no objective (for finding the rules in conflict)."""
    rm = RotationModel(inp, explain)
    m = rm.model
    sc = inp.scenario
    ses = inp.sessions
    S, R = len(ses), len(inp.sites)
    dates = list(ses["date"])
    rm.x = [[m.new_bool_var(f"x[{s},{r}]") for r in range(R)] for s in range(S)]
    x = rm.x

    # teacher away: those sessions are online only
    teacher = sc.teacher
    for i, rng in enumerate(teacher.unavailable if teacher else []):
        hit = [s for s in range(S) if rng.contains(dates[s])]
        if not hit:
            continue
        lit = rm.rule(f"teacher_away:{i}", rng.label or
                      f"Lehrkraft nicht verfügbar: {rng.describe()}")
        for s in hit:
            rm.away.add(s)
            rm.add(sum(x[s]) == 0, lit)
    for s in range(S):
        if s in rm.away and explain:
            m.add(sum(x[s]) <= 1)
        elif s not in rm.away:
            m.add(sum(x[s]) == 1)

    # room availability
    for r, site in enumerate(sc.sites):
        if site.available_weekdays is not None:
            closed = [s for s in range(S) if not site.available_on(dates[s])]
            if closed:
                lit = rm.rule(f"site_weekdays:{site.name}", site.label or (
                    f"Raum {site.name} nur {', '.join(site.available_weekdays)}"))
                for s in closed:
                    rm.add(x[s][r] == 0, lit)
        for i, rng in enumerate(site.unavailable):
            closed = [s for s in range(S) if rng.contains(dates[s])]
            if closed:
                lit = rm.rule(f"site_unavailable:{site.name}:{i}", rng.label or
                              f"Raum {site.name} nicht verfügbar: {rng.describe()}")
                for s in closed:
                    rm.add(x[s][r] == 0, lit)

    rot = sc.rotation
    # pinned sessions
    for i, pin in enumerate(rot.pins):
        match = ses[(ses["date"] == pin.date) & (ses["slot"] == pin.slot)]
        if match.empty:
            raise ScenarioError(
                f"the pinned date {pin.date} (slot {pin.slot}) is not a session of the term "
                "(a holiday, a closure, not a course weekday, or after the last session).",
                file=str(sc.source_file or "scenario"), field=f"rotation.pins.{i}",
                hint="Pick a date from the plan's session list.")
        s = int(match["session"].iloc[0])
        lit = rm.rule(f"pin:{i}", pin.label or f"{pin.date}: Lehrkraft in {pin.site}")
        rm.add(x[s][inp.sites.index(pin.site)] == 1, lit)

    # opening round: every room once in person in the first R sessions
    if rot.opening_round is not None and S >= 1:
        lit = rm.rule("opening_round", rot.opening_round.label or
                      f"jeder Raum in den ersten {R} Sitzungen einmal in Präsenz")
        first = range(min(R, S))
        for r in range(R):
            rm.add(sum(x[s][r] for s in first) >= 1, lit)

    # the longest wait
    if rot.max_wait is not None:
        k = rot.max_wait.sessions
        lit = rm.rule("max_wait", rot.max_wait.label or
                      f"jeder Raum spätestens nach {k} Sitzungen ohne Lehrkraft wieder in "
                      "Präsenz")
        for r in range(R):
            for start in range(S - k):
                rm.add(sum(x[s][r] for s in range(start, start + k + 1)) >= 1, lit)

    _travel_rules(rm)
    if not explain:
        _soft_rules(rm)
    return rm


def _day_groups(ses: pd.DataFrame) -> list[list[int]]:
    return [list(g["session"]) for _, g in ses.groupby("date", sort=True)]


def _travel_rules(rm: RotationModel) -> None:
    """Travel between sessions of one day must fit; by transit the teacher must get there."""
    inp, x = rm.inp, rm.x
    travel = inp.travel
    if travel is None:
        return
    ses = inp.sessions
    R = len(inp.sites)
    lits: dict[str, cp_model.IntVar | None] = {}

    def rule_once(key: str, label: str):
        if key not in lits:
            lits[key] = rm.rule(key, label)
        return lits[key]

    transit_label = "Lehrkraft fährt mit Bus und Bahn (hin und zurück rechtzeitig)"
    for day_sessions in _day_groups(ses):
        first, last = day_sessions[0], day_sessions[-1]
        day: dt.date = ses.at[first, "date"]
        for s in day_sessions:
            for r in range(R):
                legs = []  # (minutes or None, km): from home to the day's first session,
                # and from its last session home
                if s == first:
                    legs.append((travel.to_room(day, r, int(ses.at[s, "start_s"])),
                                 travel.km[0, r + 1]))
                if s == last:
                    legs.append((travel.home_from(day, r, int(ses.at[s, "end_s"])),
                                 travel.km[r + 1, 0]))
                if any(minutes is None for minutes, _ in legs):
                    rm.add(x[s][r] == 0, rule_once("transit", transit_label))
                    continue
                rm.travel_of[(s, r)] = (sum(m for m, _ in legs), sum(k for _, k in legs))
        for s1, s2 in itertools.pairwise(day_sessions):
            gap_min = (int(ses.at[s2, "start_s"]) - int(ses.at[s1, "end_s"])) / 60
            for r1 in range(R):
                for r2 in range(R):
                    if r1 == r2:
                        continue
                    between = travel.between(day, r1, int(ses.at[s1, "end_s"]), r2)
                    if between is None or between > gap_min:
                        rm.add(x[s1][r1] + x[s2][r2] <= 1, rule_once(
                            "travel_fits", "Fahrzeit zwischen zwei Sitzungen am selben Tag "
                            "passt in die Pause"))
                    elif not rm.explain:
                        z = rm.model.new_bool_var(f"move[{s1},{r1},{r2}]")
                        rm.model.add(z >= x[s1][r1] + x[s2][r2] - 1)
                        rm.pair_travel.append((z, between, travel.km[r1 + 1, r2 + 1],
                                               s1, s2, r1, r2))


def objective_scale(unit_costs: dict[str, float], magnitude: float) -> float:
    """Objective units per unit of weighted penalty (CP-SAT needs integer coefficients).

    At least :data:`SCALE`, and large enough that the smallest non-zero ``unit_costs``
    (the cost of one unit of a penalty: one hundredth of a session off target, one minute
    of travel, one km, one session of streak) becomes at least :data:`RESOLUTION`, so no
    weight rounds to zero or loses more than a few per cent. ``magnitude``: the largest
    weighted objective possible; the scale keeps it below 2**50 (and says which weight
    then loses its effect).
    """
    positive = {k: v for k, v in unit_costs.items() if v > 0}
    scale = float(SCALE)
    if positive:
        smallest = min(positive.values())
        if smallest * scale < RESOLUTION:
            scale = 10.0 ** math.ceil(math.log10(RESOLUTION / smallest))
    if magnitude * scale > MAX_OBJECTIVE:
        scale = max(MAX_OBJECTIVE / magnitude, 1e-9)
        for name, cost in sorted(positive.items()):
            if cost * scale < 0.5:
                log.warning("rotation.weights: the weight of '%s' is so small next to the "
                            "others (%g per unit) that it has no effect on the plan.",
                            name, cost)
    return scale


def _soft_rules(rm: RotationModel) -> None:
    inp, m, x = rm.inp, rm.model, rm.x
    rot = inp.scenario.rotation
    w = rot.weights
    S, R = len(inp.sessions), len(inp.sites)
    weighted: list[tuple[float, cp_model.IntVar, int]] = []  # (cost per unit, var, its max)
    # share: |100·count_r − 100·target_r·N| in hundredths of a session
    n_taught = S - len(rm.away)
    share_terms = []
    for r, name in enumerate(inp.sites):
        count = sum(x[s][r] for s in range(S))
        target = round(100 * inp.target[name] * n_taught)
        dev = m.new_int_var(0, 100 * S, f"share_dev[{name}]")
        m.add(dev >= 100 * count - target)
        m.add(dev >= target - 100 * count)
        share_terms.append((0.01, dev))
        weighted.append((w.share / 100, dev, 100 * S))
    rm.penalty_terms["share"] = share_terms
    # travel: minutes and km of each choice
    time_terms, km_terms = [], []
    for (s, r), (minutes, km) in rm.travel_of.items():
        time_terms.append((minutes / 60, x[s][r]))
        km_terms.append((km, x[s][r]))
        weighted.append((w.travel * minutes / 60 + w.distance * km, x[s][r], 1))
    for z, minutes, km, *_ in rm.pair_travel:
        time_terms.append((minutes / 60, z))
        km_terms.append((km, z))
        weighted.append((w.travel * minutes / 60 + w.distance * km, z, 1))
    rm.penalty_terms["travel_time"] = time_terms
    rm.penalty_terms["travel_distance"] = km_terms
    # streaks longer than max_streak in one room
    L = rot.max_streak
    streak_terms = []
    for r in range(R):
        for s in range(L, S):
            e = m.new_bool_var(f"streak[{s},{r}]")
            m.add(e >= sum(x[i][r] for i in range(s - L, s + 1)) - L)
            streak_terms.append((1.0, e))
            weighted.append((w.streak, e, 1))
    rm.penalty_terms["streak"] = streak_terms
    unit_costs = {"share": w.share / 100, "travel": w.travel / 60, "distance": w.distance,
                  "streak": w.streak}
    rm.scale = objective_scale(unit_costs, sum(abs(c) * ub for c, _, ub in weighted))
    m.minimize(sum(round(rm.scale * c) * var for c, var, _ in weighted))


def solver_for(inp: RotationInput, workers: int = 1) -> cp_model.CpSolver:
    """One worker (deterministic), fixed seed, deterministic time limit. The full LP
    relaxation (linearization level 2) proves a 140-session term optimal in a fraction of a
    second, where the default single-worker search does not within 30 s (see
    benchmarks/README.md)."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = workers
    p.linearization_level = 2
    p.random_seed = inp.scenario.rotation.seed
    p.max_deterministic_time = inp.scenario.rotation.time_limit_s
    return solver
