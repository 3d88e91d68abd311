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
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from ortools.sat.python import cp_model

from course_planner.calendar import term_sessions
from course_planner.errors import NoTeacherError, ScenarioError, msg
from course_planner.rotation.travel import TeacherTravel, participants_per_site, teacher_travel
from course_planner.scenario import Scenario, Weights
from course_planner.transit.reachability import Study

SCALE = 1000  # least objective units per unit of weighted penalty
RESOLUTION = 100  # objective units of the smallest nonzero weighted coefficient, at least
MAX_COEFFICIENT = 2**40  # objective units of the largest one, at most


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
        raise ScenarioError(
            msg("the term has no session: every course date is a holiday or closed."),
            file=str(scenario.source_file or "scenario"),
            field="course",
        )
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
    return RotationInput(
        scenario, sessions, skipped, sites, participants, target, travel, assignment
    )


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Term:
    """One term of a soft rule: ``per_unit`` penalty units (sessions, hours, km) when
    ``var`` is 1 (or per unit of ``var``)."""

    per_unit: float
    var: cp_model.IntVar


@dataclass(frozen=True)
class PairTravel:
    """The teacher moves between two rooms within one day: ``var`` is 1 when both sessions
    are taught in those rooms; ``minutes``/``km`` is the travel between them."""

    var: cp_model.IntVar
    minutes: float
    km: float


@dataclass(frozen=True)
class SoftRule:
    """A soft rule: its penalty's ``name``, the ``rotation.weights`` field that weighs it,
    its ``unit`` and ``meaning`` (for the report), and ``build``, which adds what it needs to
    the model and returns its terms."""

    name: str
    weight_field: str
    unit: str
    meaning: str
    build: Callable[[RotationModel], list[Term]]

    def weight(self, weights: Weights) -> float:
        return float(getattr(weights, self.weight_field))


@dataclass(eq=False)
class RotationModel:
    """A built CP-SAT model with its variables and the literal of every hard rule."""

    inp: RotationInput
    explain: bool
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: list[list[cp_model.IntVar]] = field(default_factory=list)
    rules: list[tuple[cp_model.IntVar, HardRule]] = field(default_factory=list)
    penalty_terms: dict[str, list[Term]] = field(default_factory=dict)
    # per (s, r): minutes and km the choice adds to the teacher's travel
    travel_of: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    pair_travel: list[PairTravel] = field(default_factory=list)
    away: set[int] = field(default_factory=set)
    scale: float = SCALE  # objective units per unit of weighted penalty

    @property
    def dates(self) -> list[dt.date]:
        return list(self.inp.sessions["date"])

    def rule(self, key: str, label: str) -> cp_model.IntVar | None:
        """A new rule: its enforcement literal in explain mode, else None (always on)."""
        if not self.explain:
            return None
        lit = self.model.new_bool_var(f"rule:{key}")
        self.rules.append((lit, HardRule(key, label)))
        return lit

    def add(
        self, constraint: cp_model.BoundedLinearExpression | bool, lit: cp_model.IntVar | None
    ) -> None:
        ct = self.model.add(constraint)
        if lit is not None:
            ct.only_enforce_if(lit)


def build_model(inp: RotationInput, explain: bool = False) -> RotationModel:
    """Build the rotation model: the variables, then every hard rule of :data:`HARD_RULES`
    in turn, then (unless ``explain``) the objective from :data:`SOFT_RULES`.

    With ``explain`` every hard rule gets an enforcement literal and there is no objective
    (for finding the rules in conflict)."""
    rm = RotationModel(inp, explain)
    S, R = len(inp.sessions), len(inp.sites)
    rm.x = [[rm.model.new_bool_var(f"x[{s},{r}]") for r in range(R)] for s in range(S)]
    for add_rule in HARD_RULES:
        add_rule(rm)
    if not explain:
        add_objective(rm, SOFT_RULES)
    return rm


# --------------------------------------------------------------------------- hard rules
# Each builder adds one kind of hard rule, each instance under its own label (the author's
# words from the scenario, else a German default), so that :mod:`.explain` can name it.


def teacher_away(rm: RotationModel) -> None:
    """The teacher's absences: those sessions are online only."""
    teacher, x = rm.inp.scenario.teacher, rm.x
    for i, rng in enumerate(teacher.unavailable if teacher else []):
        hit = [s for s, day in enumerate(rm.dates) if rng.contains(day)]
        if not hit:
            continue
        lit = rm.rule(
            f"teacher_away:{i}", rng.label or f"Lehrkraft nicht verfügbar: {rng.describe()}"
        )
        for s in hit:
            rm.away.add(s)
            rm.add(sum(x[s]) == 0, lit)


def one_room_per_session(rm: RotationModel) -> None:
    """Exactly one room in person per session (at most one where the teacher is away: in
    explain mode the absence itself is a rule that may be dropped)."""
    for s, rooms in enumerate(rm.x):
        if s not in rm.away:
            rm.model.add(sum(rooms) == 1)
        elif rm.explain:
            rm.model.add(sum(rooms) <= 1)


def room_weekdays(rm: RotationModel) -> None:
    """A room hosts the teacher only on its ``available_weekdays``."""
    for r, site in enumerate(rm.inp.scenario.sites):
        if site.available_weekdays is None:
            continue
        closed = [s for s, day in enumerate(rm.dates) if not site.available_on(day)]
        if closed:
            lit = rm.rule(
                f"site_weekdays:{site.name}",
                site.label or (f"Raum {site.name} nur {', '.join(site.available_weekdays)}"),
            )
            for s in closed:
                rm.add(rm.x[s][r] == 0, lit)


def room_dates(rm: RotationModel) -> None:
    """A room is not available on its ``unavailable`` dates."""
    for r, site in enumerate(rm.inp.scenario.sites):
        for i, rng in enumerate(site.unavailable):
            closed = [s for s, day in enumerate(rm.dates) if rng.contains(day)]
            if closed:
                lit = rm.rule(
                    f"site_unavailable:{site.name}:{i}",
                    rng.label or f"Raum {site.name} nicht verfügbar: {rng.describe()}",
                )
                for s in closed:
                    rm.add(rm.x[s][r] == 0, lit)


def pins(rm: RotationModel) -> None:
    """Pinned sessions: the teacher is in the named room on that date and slot."""
    sc, ses = rm.inp.scenario, rm.inp.sessions
    for i, pin in enumerate(sc.rotation.pins):
        match = ses[(ses["date"] == pin.date) & (ses["slot"] == pin.slot)]
        if match.empty:
            raise ScenarioError(
                msg(
                    (
                        "the pinned date {date} (slot {slot}) is not a session of the "
                        "term (a holiday, a closure, not a course weekday, or after "
                        "the last session)."
                    ),
                    date=pin.date,
                    slot=pin.slot,
                ),
                file=str(sc.source_file or "scenario"),
                field=f"rotation.pins.{i}",
                hint=msg("Pick a date from the plan's session list."),
            )
        s = int(match["session"].iloc[0])
        lit = rm.rule(f"pin:{i}", pin.label or f"{pin.date}: Lehrkraft in {pin.site}")
        rm.add(rm.x[s][rm.inp.sites.index(pin.site)] == 1, lit)


def opening_round(rm: RotationModel) -> None:
    """Every room in person once in the first R sessions."""
    rule, x = rm.inp.scenario.rotation.opening_round, rm.x
    S, R = len(x), len(rm.inp.sites)
    if rule is None or S == 0:
        return
    lit = rm.rule(
        "opening_round", rule.label or f"jeder Raum in den ersten {R} Sitzungen einmal in Präsenz"
    )
    for r in range(R):
        rm.add(sum(x[s][r] for s in range(min(R, S))) >= 1, lit)


def max_wait(rm: RotationModel) -> None:
    """No room more than k sessions in a row without the teacher."""
    rule, x = rm.inp.scenario.rotation.max_wait, rm.x
    if rule is None:
        return
    k, S = rule.sessions, len(x)
    lit = rm.rule(
        "max_wait",
        rule.label or f"jeder Raum spätestens nach {k} Sitzungen ohne Lehrkraft wieder in Präsenz",
    )
    for r in range(len(rm.inp.sites)):
        for start in range(S - k):
            rm.add(sum(x[s][r] for s in range(start, start + k + 1)) >= 1, lit)


def _day_groups(ses: pd.DataFrame) -> list[list[int]]:
    return [list(g["session"]) for _, g in ses.groupby("date", sort=True)]


def teacher_travel_fits(rm: RotationModel) -> None:
    """By transit the teacher must get there and home; two sessions of one day in different
    rooms only when the travel fits the break. Records the travel each choice adds (for the
    soft rules ``travel_time`` and ``travel_distance``)."""
    inp, x = rm.inp, rm.x
    travel = inp.travel
    if travel is None:
        return
    ses = inp.sessions
    R = len(inp.sites)
    lits: dict[str, cp_model.IntVar | None] = {}

    def rule_once(key: str, label: str) -> cp_model.IntVar | None:
        if key not in lits:
            lits[key] = rm.rule(key, label)
        return lits[key]

    transit_label = "Lehrkraft fährt mit Bus und Bahn (hin und zurück rechtzeitig)"
    for day_sessions in _day_groups(ses):
        first, last = day_sessions[0], day_sessions[-1]
        day: dt.date = ses.at[first, "date"]
        for s in day_sessions:
            for r in range(R):
                minutes: list[float | None] = []  # from home to the day's first session,
                km = 0.0  # and from its last session home
                if s == first:
                    minutes.append(travel.to_room(day, r, int(ses.at[s, "start_s"])))
                    km += float(travel.km[0, r + 1])
                if s == last:
                    minutes.append(travel.home_from(day, r, int(ses.at[s, "end_s"])))
                    km += float(travel.km[r + 1, 0])
                known = [m for m in minutes if m is not None]
                if len(known) < len(minutes):
                    rm.add(x[s][r] == 0, rule_once("transit", transit_label))
                    continue
                rm.travel_of[(s, r)] = (sum(known), km)
        for s1, s2 in itertools.pairwise(day_sessions):
            gap_min = (int(ses.at[s2, "start_s"]) - int(ses.at[s1, "end_s"])) / 60
            for r1, r2 in itertools.permutations(range(R), 2):
                between = travel.between(day, r1, int(ses.at[s1, "end_s"]), r2)
                if between is None or between > gap_min:
                    rm.add(
                        x[s1][r1] + x[s2][r2] <= 1,
                        rule_once(
                            "travel_fits",
                            "Fahrzeit zwischen zwei Sitzungen am selben Tag passt in die Pause",
                        ),
                    )
                elif not rm.explain:
                    z = rm.model.new_bool_var(f"move[{s1},{r1},{r2}]")
                    rm.model.add(z >= x[s1][r1] + x[s2][r2] - 1)
                    rm.pair_travel.append(PairTravel(z, between, float(travel.km[r1 + 1, r2 + 1])))


#: The hard rules, in the order they are added (``one_room_per_session`` needs the
#: teacher's absences first).
HARD_RULES: tuple[Callable[[RotationModel], None], ...] = (
    teacher_away,
    one_room_per_session,
    room_weekdays,
    room_dates,
    pins,
    opening_round,
    max_wait,
    teacher_travel_fits,
)


# --------------------------------------------------------------------------- soft rules


def share_terms(rm: RotationModel) -> list[Term]:
    """|sessions in person − target share × sessions taught| per room, in sessions."""
    inp, m, x = rm.inp, rm.model, rm.x
    S = len(x)
    n_taught = S - len(rm.away)
    terms = []
    for r, name in enumerate(inp.sites):
        count = sum(x[s][r] for s in range(S))
        target = round(100 * inp.target[name] * n_taught)  # hundredths of a session
        dev = m.new_int_var(0, 100 * S, f"share_dev[{name}]")
        m.add(dev >= 100 * count - target)
        m.add(dev >= target - 100 * count)
        terms.append(Term(0.01, dev))
    return terms


def travel_time_terms(rm: RotationModel) -> list[Term]:
    """The teacher's hours of travel that each choice adds."""
    return [Term(minutes / 60, rm.x[s][r]) for (s, r), (minutes, _) in rm.travel_of.items()] + [
        Term(p.minutes / 60, p.var) for p in rm.pair_travel
    ]


def travel_distance_terms(rm: RotationModel) -> list[Term]:
    """The teacher's km of travel that each choice adds."""
    return [Term(km, rm.x[s][r]) for (s, r), (_, km) in rm.travel_of.items()] + [
        Term(p.km, p.var) for p in rm.pair_travel
    ]


def streak_terms(rm: RotationModel) -> list[Term]:
    """Sessions beyond ``max_streak`` in a row in the same room."""
    m, x = rm.model, rm.x
    L = rm.inp.scenario.rotation.max_streak
    terms = []
    for r in range(len(rm.inp.sites)):
        for s in range(L, len(x)):
            e = m.new_bool_var(f"streak[{s},{r}]")
            m.add(e >= sum(x[i][r] for i in range(s - L, s + 1)) - L)
            terms.append(Term(1.0, e))
    return terms


#: The soft rules: each is a named penalty (reported as paid), weighted by its field of
#: ``rotation.weights``. A new soft rule is one record here plus its weight field.
SOFT_RULES: tuple[SoftRule, ...] = (
    SoftRule(
        "share",
        "share",
        "Sitzungen",
        "Abweichung der Präsenzsitzungen je Raum vom Zielanteil",
        share_terms,
    ),
    SoftRule(
        "travel_time",
        "travel",
        "Stunden",
        "Fahrzeit der Lehrkraft im Kurszeitraum",
        travel_time_terms,
    ),
    SoftRule(
        "travel_distance",
        "distance",
        "km",
        "Fahrstrecke der Lehrkraft im Kurszeitraum",
        travel_distance_terms,
    ),
    SoftRule(
        "streak",
        "streak",
        "Sitzungen",
        "Präsenz öfter als max_streak-mal hintereinander im selben Raum",
        streak_terms,
    ),
)


def objective_scale(coefficients: list[float]) -> float:
    """Objective units per unit of weighted penalty: CP-SAT needs integer coefficients, so
    every weighted coefficient is multiplied by this and rounded. The scale is chosen so that
    the smallest nonzero one keeps at least :data:`RESOLUTION` units (a weight of 0.001 still
    counts), and is at least :data:`SCALE`."""
    nonzero = [abs(c) for c in coefficients if c]
    if not nonzero:
        return float(SCALE)
    scale = max(float(SCALE), RESOLUTION / min(nonzero))
    # keep the largest coefficient far below CP-SAT's integer range
    return min(scale, MAX_COEFFICIENT / max(nonzero))


def add_objective(rm: RotationModel, rules: tuple[SoftRule, ...]) -> None:
    """Minimise the weighted sum of every soft rule's terms (exact up to 1/RESOLUTION of the
    smallest weighted coefficient)."""
    weights = rm.inp.scenario.rotation.weights
    weighted: list[tuple[float, cp_model.IntVar]] = []
    for rule in rules:
        terms = rule.build(rm)
        rm.penalty_terms[rule.name] = terms
        w = rule.weight(weights)
        weighted.extend((w * t.per_unit, t.var) for t in terms if w * t.per_unit)
    rm.scale = objective_scale([c for c, _ in weighted])
    rm.model.minimize(sum(round(rm.scale * c) * var for c, var in weighted))


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
