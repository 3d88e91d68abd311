"""The mobile teacher's rotation: a CP-SAT model, its explanation when infeasible, KPIs."""
