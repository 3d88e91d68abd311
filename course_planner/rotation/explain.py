"""Why no plan exists: the hard rules in conflict, in the scenario author's words.

The model is rebuilt with one enforcement literal per hard rule and solved on one worker
with all literals as assumptions; CP-SAT returns a set of assumptions that is already
infeasible. That set is small but not always minimal, so each rule in it is then dropped in
turn and kept out if the rest is still infeasible: the result is irreducible (dropping any
one of the named rules makes a plan possible — with respect to the hard rules).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from course_planner.rotation.model import HardRule, RotationInput, build_model, solver_for


def conflicting_rules(inp: RotationInput) -> list[HardRule] | None:
    """The rules in conflict, or None when the hard rules alone are satisfiable."""
    rm = build_model(inp, explain=True)
    lit_of = {lit.index: lit for lit, _ in rm.rules}
    rule_of = {lit.index: rule for lit, rule in rm.rules}

    def infeasible(assumed: list[int]) -> list[int] | None:
        """Indices of an infeasible subset of ``assumed``, or None if they can all hold."""
        rm.model.clear_assumptions()
        rm.model.add_assumptions([lit_of[i] for i in assumed])
        solver = solver_for(inp, workers=1)
        status = solver.solve(rm.model)
        if status == cp_model.INFEASIBLE:
            core = set(solver.sufficient_assumptions_for_infeasibility())
            return [i for i in assumed if i in core] or assumed
        return None

    core = infeasible(list(lit_of))
    if core is None:
        return None
    for index in list(core):
        if index not in core:
            continue
        smaller = infeasible([i for i in core if i != index])
        if smaller is not None:
            core = smaller
    return [rule_of[i] for i in core]
