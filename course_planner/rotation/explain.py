"""Why no plan exists: the hard rules in conflict, in the scenario author's words.

The model is rebuilt with one enforcement literal per hard rule and solved on one worker
with all literals as assumptions; CP-SAT returns a set of assumptions that is already
infeasible. That set is small but not always minimal, so each rule in it is then dropped in
turn and kept out if the rest is still infeasible: the result is irreducible (dropping any
one of the named rules makes a plan possible — with respect to the hard rules).
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from course_planner.errors import SolverTimeoutError, msg
from course_planner.rotation.model import HardRule, RotationInput, build_model, solver_for


@dataclass(frozen=True)
class Conflict:
    """Hard rules that cannot all hold.

    ``irreducible``: dropping any one of them was shown to make the rest possible. False
    when a check of a smaller set reached the time limit: that rule was kept, so the list
    may name more rules than needed (a time-out is never taken for a proof).
    """

    rules: list[HardRule]
    irreducible: bool = True


class _TimedOut:
    """The solver reached its time limit: neither a plan nor a proof that none exists."""


TIMED_OUT = _TimedOut()


def conflicting_rules(inp: RotationInput) -> Conflict | None:
    """The rules in conflict, or None when the hard rules alone are proven satisfiable.

    Raises :class:`SolverTimeoutError` when even the first check (all rules together)
    reaches the time limit: then no conflict was found within the time limit.
    """
    rm = build_model(inp, explain=True)
    lit_of = {lit.index: lit for lit, _ in rm.rules}
    rule_of = {lit.index: rule for lit, rule in rm.rules}

    def infeasible(assumed: list[int]) -> list[int] | _TimedOut | None:
        """Indices of an infeasible subset of ``assumed``; None if they can all hold
        (a plan was found); TIMED_OUT if the solver could decide neither."""
        rm.model.clear_assumptions()
        rm.model.add_assumptions([lit_of[i] for i in assumed])
        solver = solver_for(inp, workers=1)
        status = solver.solve(rm.model)
        if status == cp_model.INFEASIBLE:
            core = set(solver.sufficient_assumptions_for_infeasibility())
            return [i for i in assumed if i in core] or assumed
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return TIMED_OUT

    core = infeasible(list(lit_of))
    if core is None:
        return None
    if isinstance(core, _TimedOut):
        limit = inp.scenario.rotation.time_limit_s
        raise SolverTimeoutError(
            msg(
                (
                    "no plan is possible, but no conflict found within the time "
                    "limit ({limit:g} s per check): the rules in conflict cannot "
                    "be named."
                ),
                limit=limit,
            ),
            file=str(inp.scenario.source_file or inp.scenario.name),
            field="rotation.time_limit_s",
            hint=msg(
                "Raise rotation.time_limit_s (e.g. to 60), or drop rules one "
                "at a time (max_wait, opening_round, pins, room weekdays) to "
                "find the one that blocks."
            ),
        )
    irreducible = True
    for index in list(core):
        if index not in core:
            continue
        smaller = infeasible([i for i in core if i != index])
        if isinstance(smaller, _TimedOut):
            irreducible = False  # keep the rule: its necessity is unknown, not disproven
        elif smaller is not None:
            core = smaller
    return Conflict([rule_of[i] for i in core], irreducible)
