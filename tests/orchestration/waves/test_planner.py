"""Wave planner: Wave 1 search and explanations, Waves 2-4 sizes, determinism, scale (15 and 1,500 locations)."""

from __future__ import annotations

import itertools
import random

import pytest

from orchestration.waves.planner import Candidate, _satisfied, plan_waves, rank_key, recommended_wave


def cand(location_id: str, composite: float | None, volume: int | None, common: bool, region: str,
         eligible: bool = True, failed: tuple[str, ...] = (), preferred: int = 2, live: bool = False) -> Candidate:
    """A readiness row with only what the planner reads."""
    return Candidate(location_id=location_id, region=region, composite=composite, volume_score=volume,
                     is_most_common_pms=common, wave1_eligible=eligible, wave1_failed_criteria=failed,
                     preferred_met=preferred, is_live=live)


@pytest.mark.parametrize(("composite", "expected"), [
    (4.0, 1), (3.99, 2), (4.15, 1), (3.40, 2), (3.0, 2), (2.99, 3), (2.0, 3), (1.99, None), (None, None),
])
def test_recommended_wave_boundaries(composite: float | None, expected: int | None) -> None:
    """>= 4.0 -> 1; 3.0-3.99 -> 2; 2.0-2.99 -> 3; < 2.0 defer (playbook: 4.15 -> 1, 3.40 -> 2, 2.00 -> 3)."""
    assert recommended_wave(composite) == expected


def small_dso() -> list[Candidate]:
    """15 locations (+1 live): five Wave-1-eligible, the rest for Waves 2-4 and deferral."""
    return [
        cand("A", 4.60, 5, True, "N"),
        cand("B", 4.50, 4, True, "N"),
        cand("C", 4.40, 5, False, "N"),
        cand("D", 4.20, 3, False, "N"),
        cand("E", 4.10, 2, False, "S"),
        cand("F", 4.30, 3, True, "S", eligible=False, failed=("named champion",)),
        cand("G", 3.80, 3, True, "E", eligible=False),
        cand("H", 3.50, 2, False, "E", eligible=False),
        cand("I", 3.20, 4, True, "E", eligible=False),
        cand("J", 3.00, 1, True, "S", eligible=False),
        cand("K", 2.90, 1, False, "S", eligible=False),
        cand("L", 2.50, 2, True, "N", eligible=False),
        cand("M", 2.00, 2, True, "N", eligible=False),
        cand("N2", 1.90, 1, False, "N", eligible=False),
        cand("O", None, None, False, "S", eligible=False),
        cand("P", 4.90, 5, True, "N", live=True),
    ]


def test_wave1_best_valid_triple() -> None:
    """Hand search: A+B+D = 13.30 is all region N (fails two_regions); A+C+D all N; the best valid triple is
    A+B+E = 4.60 + 4.50 + 4.10 = 13.20 (high A, low E, common A/B, regions N+S); the only other 13.20 (A+C+D) fails."""
    plan = plan_waves(small_dso())
    assert plan.wave1_valid
    assert plan.wave1 == ("A", "B", "E")
    assert all(f.passed for f in plan.findings)


def test_waves_2_to_4_sizes_and_deferred() -> None:
    """Remaining by rank: C 4.40, F 4.30, D 4.20, G 3.80, H 3.50, I 3.20, J 3.00, K 2.90, L 2.50, M 2.00.
    Wave 2: 7 recommended <= 2 (C..J), within 5-8 -> 7. Wave 3: K, L, M (3 left; 8-12 capped by what is left).
    Wave 4 empty. Deferred: N2 (1.90) and O (not scored). P is already live."""
    plan = plan_waves(small_dso())
    assert plan.wave("wave_2") == ["C", "F", "D", "G", "H", "I", "J"]
    assert plan.wave("wave_3") == ["K", "L", "M"]
    assert plan.wave("wave_4") == []
    assert sorted(plan.wave("deferred")) == ["N2", "O"]
    assert plan.wave("already_live") == ["P"]


def test_wave2_takes_at_least_five_and_at_most_eight() -> None:
    """12 locations all recommended wave 2 (3.5), none eligible: Wave 2 = 8 (max), Wave 3 = the other 4.
    3 locations recommended wave 2 and 6 recommended wave 3: Wave 2 still takes 5 (minimum), Wave 3 the other 4."""
    many = [cand(f"L{i:02d}", 3.5, 3, True, "N", eligible=False) for i in range(12)]
    plan = plan_waves(many)
    assert len(plan.wave("wave_2")) == 8 and len(plan.wave("wave_3")) == 4
    few = [cand(f"W{i}", 3.5, 3, True, "N", eligible=False) for i in range(3)] + \
          [cand(f"X{i}", 2.5, 3, True, "N", eligible=False) for i in range(6)]
    plan = plan_waves(few)
    assert plan.wave("wave_2") == ["W0", "W1", "W2", "X0", "X1"]
    assert plan.wave("wave_3") == ["X2", "X3", "X4", "X5"]


def test_no_valid_wave1_explains_failing_constraint_and_candidates() -> None:
    """Every eligible location is high-volume (5, 4, 5): no low-volume member is possible. Q (volume 2, composite
    4.2) would qualify but lacks a named champion: the explanation names the constraint, the eligible locations
    and Q with its failing criterion."""
    dso = [
        cand("A", 4.6, 5, True, "N"),
        cand("B", 4.4, 4, False, "S"),
        cand("C", 4.2, 5, True, "S"),
        cand("Q", 4.2, 2, True, "N", eligible=False, failed=("named champion",)),
        cand("R", 3.1, 2, False, "N", eligible=False),
    ]
    plan = plan_waves(dso)
    assert not plan.wave1_valid and plan.wave1 == ()
    failing = {f.constraint: f for f in plan.findings if not f.passed}
    assert set(failing) == {"low_volume"}
    low = failing["low_volume"]
    assert {"A", "B", "C", "Q"} <= set(low.location_ids)
    assert "Q (fails named champion)" in low.detail
    # nobody is lost: the eligible locations go to Wave 2 in rank order
    assert plan.wave("wave_2")[:3] == ["A", "B", "C"]


def test_too_few_eligible_and_single_region() -> None:
    """One eligible location: the eligibility finding fails (needs 2) and so does two_regions (1 region)."""
    plan = plan_waves([cand("A", 4.6, 5, True, "N"), cand("B", 3.9, 2, True, "S", eligible=False)])
    failing = {f.constraint for f in plan.findings if not f.passed}
    assert {"eligibility", "two_regions", "low_volume"} <= failing
    assert not plan.wave1_valid


def test_pair_when_only_two_eligible() -> None:
    """Two eligible locations that together meet everything form a Wave 1 pair."""
    plan = plan_waves([cand("A", 4.6, 5, False, "N"), cand("B", 4.1, 3, True, "S")])
    assert plan.wave1 == ("A", "B")


def brute_force(pool: list[Candidate]) -> tuple[str, ...]:
    """Reference: every triple of the eligible pool, best total then better ranks (independent of the pruning)."""
    ranked = sorted((c for c in pool if c.wave1_eligible and not c.is_live), key=rank_key)
    best = min(
        (combo for combo in itertools.combinations(range(len(ranked)), 3)
         if all(_satisfied([ranked[i] for i in combo]).values())),
        key=lambda combo: (-sum(ranked[i].points for i in combo), combo),
    )
    return tuple(ranked[i].location_id for i in best)


def random_dso(n: int, seed: int, regions: int = 12) -> list[Candidate]:
    """A random DSO: composites in hundredths, volumes 1-5, ~40% on the most common PMS, ~30% eligible."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        composite = rng.randint(150, 500) / 100
        out.append(cand(f"LOC-{i:04d}", composite, rng.randint(1, 5), rng.random() < 0.4,
                        f"R{rng.randrange(regions)}", eligible=composite >= 4.0 and rng.random() < 0.6,
                        preferred=rng.randint(0, 3), live=rng.random() < 0.05))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_pruned_search_equals_brute_force(seed: int) -> None:
    """On 240-location DSOs (~40 eligible, more than the ~36 the pruning keeps) the pruned search finds the brute-force optimum."""
    dso = random_dso(240, seed, regions=6)
    assert plan_waves(dso).wave1 == tuple(sorted(brute_force(dso), key=lambda i: rank_key(
        next(c for c in dso if c.location_id == i))))


def test_1500_locations_plan_is_valid_complete_and_deterministic() -> None:
    """1,500 locations: Wave 1 meets every constraint, each location is placed exactly once, wave sizes hold, and
    the plan does not depend on input order."""
    dso = random_dso(1500, 7, regions=40)
    plan = plan_waves(dso)
    by_id = {c.location_id: c for c in dso}
    assert plan.wave1_valid and len(plan.wave1) == 3
    members = [by_id[i] for i in plan.wave1]
    assert all(_satisfied(members).values()) and all(m.wave1_eligible and not m.is_live for m in members)
    assert sorted(a.location_id for a in plan.assignments) == sorted(by_id)
    assert 5 <= len(plan.wave("wave_2")) <= 8 and 8 <= len(plan.wave("wave_3")) <= 12
    assert all(by_id[i].recommended_wave is None for i in plan.wave("deferred"))
    shuffled = dso[:]
    random.Random(99).shuffle(shuffled)
    assert plan_waves(shuffled).assignments == plan.assignments
