"""Solve the rotation, and describe the plan: the session table, penalties paid and KPIs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model

from course_planner.clock import clock
from course_planner.errors import NoPlanError, SolverTimeoutError, msg
from course_planner.rotation.explain import conflicting_rules
from course_planner.rotation.model import (
    SOFT_RULES,
    RotationInput,
    build_model,
    rotation_input,
    solver_for,
)
from course_planner.scenario import Scenario
from course_planner.transit.reachability import Study

PRESENT, ONLINE = "präsenz", "online"


@dataclass(frozen=True, eq=False)
class Plan:
    """A solved rotation.

    ``sessions``: the term's sessions with ``teacher_site`` ("" where the teacher is away and
    every room is online). ``penalties``: name, value, unit, weight, cost (weight × value).
    ``optimal``: proven optimal; else the best plan found within the time limit.
    """

    inp: RotationInput
    sessions: pd.DataFrame
    penalties: pd.DataFrame
    optimal: bool
    objective: float
    bound: float

    @property
    def sites(self) -> list[str]:
        return self.inp.sites

    def table(self) -> pd.DataFrame:
        """The plan as written to plan.csv: date, weekday, start, end, ue, teacher_site and
        one column per room (präsenz / online)."""
        ses = self.sessions
        out = pd.DataFrame(
            {
                "date": ses["date"].map(lambda d: d.isoformat()),
                "weekday": ses["weekday"],
                "start": ses["start_s"].map(clock),
                "end": ses["end_s"].map(clock),
                "ue": ses["ue"],
                "teacher_site": ses["teacher_site"],
            }
        )
        for name in self.sites:
            out[name] = (ses["teacher_site"] == name).map({True: PRESENT, False: ONLINE})
        return out

    def kpis(self) -> Kpis:
        return plan_kpis(self)


def solve_rotation(scenario: Scenario, study: Study | None = None) -> Plan:
    """The rotation for a scenario: optimal where the solver proves it within the time limit.

    Raises :class:`NoPlanError` naming the rules in conflict when no plan exists.
    """
    inp = rotation_input(scenario, study)
    rm = build_model(inp)
    solver = solver_for(inp)
    status = solver.solve(rm.model)
    label = str(scenario.source_file or scenario.name)
    if status == cp_model.INFEASIBLE:
        conflict = conflicting_rules(inp)
        if conflict is None:
            raise NoPlanError(
                msg(
                    "no plan is possible, but no single rule could be named (the "
                    "sessions, rooms and teacher times leave no choice)."
                ),
                file=label,
            )
        names = "; ".join(f"„{r.label}“" for r in conflict.rules)
        hint = msg(
            "Drop or change one of them (together with: exactly one room in person "
            "per session). This is one conflict; once it is resolved, another may show."
        )
        if not conflict.irreducible:
            hint = msg(
                "{hint} Not every rule could be checked within the time limit, so the list "
                "may name more rules than needed; raise rotation.time_limit_s for a "
                "shorter one.",
                hint=hint,
            )
        raise NoPlanError(
            msg("no plan is possible: these rules cannot all hold: {names}.", names=names),
            file=label,
            rules=tuple(r.label for r in conflict.rules),
            hint=hint,
        )
    if status == cp_model.UNKNOWN:
        limit = scenario.rotation.time_limit_s
        raise SolverTimeoutError(
            msg(
                (
                    "no plan found within the time limit ({limit:g} s), and no "
                    "conflict found within the time limit either: the solver "
                    "proved neither that a plan exists nor that none does."
                ),
                limit=limit,
            ),
            file=label,
            field="rotation.time_limit_s",
            hint=msg(
                "Raise rotation.time_limit_s (e.g. to 60); if it still fails, "
                "relax a rule (max_wait, opening_round, pins, room weekdays) "
                "and try again."
            ),
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise NoPlanError(
            msg(
                "the solver stopped without a plan (status {solver}).",
                solver=solver.status_name(status),
            ),
            file=label,
            hint=msg("This is a fault of the model; please report it with the scenario file."),
        )
    ses = inp.sessions.copy()
    chosen = []
    for s in range(len(ses)):
        rooms = [inp.sites[r] for r in range(len(inp.sites)) if solver.value(rm.x[s][r])]
        chosen.append(rooms[0] if rooms else "")
    ses["teacher_site"] = chosen
    rows = []
    weights = scenario.rotation.weights
    for rule in SOFT_RULES:
        value = sum(t.per_unit * solver.value(t.var) for t in rm.penalty_terms[rule.name])
        weight = rule.weight(weights)
        rows.append(
            {
                "name": rule.name,
                "value": round(value, 2),
                "unit": rule.unit,
                "weight": weight,
                "cost": round(weight * value, 2),
                "meaning": rule.meaning,
            }
        )
    penalties = pd.DataFrame(rows, columns=["name", "value", "unit", "weight", "cost", "meaning"])
    return Plan(
        inp,
        ses,
        penalties,
        status == cp_model.OPTIMAL,
        solver.objective_value / rm.scale,
        solver.best_objective_bound / rm.scale,
    )


def _longest_wait(present: list[bool]) -> int:
    """The most sessions in a row without the teacher."""
    longest = run = 0
    for here in present:
        run = 0 if here else run + 1
        longest = max(longest, run)
    return longest


@dataclass(frozen=True)
class RoomKpis:
    """One room over the term."""

    participants: int
    in_person_sessions: int
    share: float  # of all sessions, in person here
    target_share: float
    longest_wait: int  # most sessions in a row without the teacher


@dataclass(frozen=True)
class PenaltyPaid:
    """A soft rule's penalty in the plan: ``value`` in ``unit``, ``cost`` = weight × value."""

    value: float
    unit: str
    weight: float
    cost: float


@dataclass(frozen=True)
class Kpis:
    """The plan's key figures (``plan --kpis``, the Rotationsplan and Vergleich pages)."""

    scenario: str
    sessions: int
    ue: int
    sessions_online_only: int
    first_session: str  # ISO date
    last_session: str
    participant_sessions_in_person: int
    participant_sessions_total: int
    teacher_hours: float
    teacher_km: float
    rooms: dict[str, RoomKpis]
    penalties: dict[str, PenaltyPaid]
    proven_optimal: bool
    objective: float

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the ``--kpis`` file)."""
        return asdict(self)

    def row(self) -> dict[str, Any]:
        """Flattened to one row (for comparing scenarios side by side)."""
        row = {k: v for k, v in self.as_dict().items() if k not in ("rooms", "penalties")}
        for room, values in self.rooms.items():
            for key, value in asdict(values).items():
                row[f"{room}: {key}"] = value
        for name, paid in self.penalties.items():
            row[f"penalty {name} ({paid.unit})"] = paid.value
        return row


def plan_kpis(plan: Plan) -> Kpis:
    """KPIs: in-person sessions per room, participant-sessions in person, teacher km and
    hours over the term, longest wait per room, penalties paid."""
    inp, ses = plan.inp, plan.sessions
    participants = inp.participants
    rooms = {}
    for name in inp.sites:
        present = list(ses["teacher_site"] == name)
        rooms[name] = RoomKpis(
            participants=participants.get(name, 0),
            in_person_sessions=int(sum(present)),
            share=round(sum(present) / max(len(ses), 1), 3),
            target_share=round(inp.target[name], 3),
            longest_wait=_longest_wait(present),
        )
    taught = ses["teacher_site"].map(lambda r: participants.get(r, 0) if r else 0)
    penalties = {
        str(r["name"]): PenaltyPaid(
            float(r["value"]), str(r["unit"]), float(r["weight"]), float(r["cost"])
        )
        for r in plan.penalties.to_dict("records")
    }
    return Kpis(
        scenario=inp.scenario.name,
        sessions=len(ses),
        ue=int(ses["ue"].sum()),
        sessions_online_only=int((ses["teacher_site"] == "").sum()),
        first_session=ses["date"].iloc[0].isoformat(),
        last_session=ses["date"].iloc[-1].isoformat(),
        participant_sessions_in_person=int(taught.sum()),
        participant_sessions_total=int(sum(participants.values()) * len(ses)),
        teacher_hours=penalties["travel_time"].value if "travel_time" in penalties else 0.0,
        teacher_km=penalties["travel_distance"].value if "travel_distance" in penalties else 0.0,
        rooms=rooms,
        penalties=penalties,
        proven_optimal=plan.optimal,
        objective=round(plan.objective, 3),
    )
