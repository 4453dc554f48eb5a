"""Wave planner over the readiness mart: pure planning (planner.py) and the marts writer (writer.py)."""

from orchestration.waves.planner import Assignment, Candidate, Finding, Plan, plan_waves, recommended_wave

__all__ = ["Assignment", "Candidate", "Finding", "Plan", "plan_waves", "recommended_wave"]
