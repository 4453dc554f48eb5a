"""Wave planner (metrics.md §3): a pure, deterministic function from readiness rows to a rollout plan.

Wave 1: 2-3 Wave-1-eligible locations with at least one high-volume (volume >= 4), one low-to-moderate (volume
<= 3), one on the DSO's most common PMS, and at least two regions. Waves 2-4 take the rest by rank (Wave 2: 5-8,
Wave 3: 8-12, Wave 4: the rest); locations recommended `defer` (composite < 2.0 or not scored) are listed apart,
already-live locations are not re-planned. See docs/readiness.md for every tie-break.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

WAVE1_SIZES = (3, 2)  # prefer three pilot sites (more varied learning) over two when a valid triple exists
WAVE2_SIZE = (5, 8)
WAVE3_SIZE = (8, 12)
# Pruning (see _prune): per constraint class keep this many locations per region, for this many regions.
PER_REGION = 3
REGIONS_PER_CLASS = 3

CONSTRAINTS = ("high_volume", "low_volume", "most_common_pms", "two_regions")
CONSTRAINT_TEXT = {
    "high_volume": "at least one high-volume location (volume >= 4)",
    "low_volume": "at least one low-to-moderate-volume location (volume <= 3)",
    "most_common_pms": "at least one location on the most common PMS",
    "two_regions": "at least two regions",
}


@dataclass(frozen=True)
class Candidate:
    """One location's readiness row (marts.rpt_readiness_scores), as the planner needs it."""

    location_id: str
    region: str | None
    composite: float | Decimal | None
    volume_score: int | None
    is_most_common_pms: bool
    wave1_eligible: bool
    wave1_failed_criteria: tuple[str, ...] = ()
    preferred_met: int = 0
    is_live: bool = False

    @property
    def points(self) -> int | None:
        """Composite in integer hundredths (4.15 -> 415), so comparisons and sums are exact."""
        return None if self.composite is None else int((Decimal(str(self.composite)) * 100).to_integral_value())

    @property
    def recommended_wave(self) -> int | None:
        """Recommended wave from the composite (metrics.md §3); None = defer."""
        return recommended_wave(self.composite)


@dataclass(frozen=True)
class Assignment:
    """A location's place in the plan: plan_group wave_1..wave_4, deferred or already_live."""

    location_id: str
    plan_group: str
    planned_wave: int | None
    plan_rank: int | None
    composite: float | None
    reason: str


@dataclass(frozen=True)
class Finding:
    """One Wave 1 constraint: passed or not, why, and the locations concerned."""

    constraint: str
    passed: bool
    detail: str
    location_ids: tuple[str, ...] = ()


@dataclass
class Plan:
    """The planner's result: assignments of every location and the Wave 1 findings."""

    assignments: list[Assignment]
    wave1: tuple[str, ...]
    wave1_valid: bool
    findings: list[Finding] = field(default_factory=list)

    def wave(self, group: str) -> list[str]:
        """Location ids of one plan group, in rank order."""
        return [a.location_id for a in self.assignments if a.plan_group == group]


def recommended_wave(composite: float | Decimal | None) -> int | None:
    """>= 4.0 -> 1; 3.0-3.99 -> 2; 2.0-2.99 -> 3; < 2.0 or None -> None (defer). Exact on two decimals."""
    if composite is None:
        return None
    points = int((Decimal(str(composite)) * 100).to_integral_value())
    if points >= 400:
        return 1
    if points >= 300:
        return 2
    if points >= 200:
        return 3
    return None


def rank_key(c: Candidate) -> tuple[int, int, int, str]:
    """Ranking: composite desc, preferred criteria met desc, volume desc, location_id asc (total order)."""
    return (-(c.points or 0), -c.preferred_met, -(c.volume_score or 0), c.location_id)


def _satisfied(members: Sequence[Candidate]) -> dict[str, bool]:
    """Each Wave 1 set constraint, evaluated on a set of locations."""
    return {
        "high_volume": any(m.volume_score is not None and m.volume_score >= 4 for m in members),
        "low_volume": any(m.volume_score is not None and m.volume_score <= 3 for m in members),
        "most_common_pms": any(m.is_most_common_pms for m in members),
        "two_regions": len({m.region for m in members}) >= 2,
    }


def _prune(pool: Sequence[Candidate]) -> list[Candidate]:
    """Keep, per class (high/low volume x most-common-PMS or not), the best 3 of each of its best 3 regions.

    Exact for the search below: in an optimal set, a member outside this list can be swapped for a kept member of
    the same class (same volume class and PMS flag) that ranks higher and sits in a region no other member uses
    (3 regions, at most 2 other members), or in its own region (3 kept, at most 2 others) -- so every constraint
    still holds and the score does not drop. At most 4 classes x 9 = 36 candidates, whatever the DSO's size.
    """
    kept: list[Candidate] = []
    classes: dict[tuple[bool, bool], dict[str | None, list[Candidate]]] = {}
    for c in pool:  # pool is in rank order, so each list below is too
        cls = (c.volume_score is not None and c.volume_score >= 4, c.is_most_common_pms)
        regions = classes.setdefault(cls, {})
        if c.region not in regions and len(regions) >= REGIONS_PER_CLASS:
            continue
        members = regions.setdefault(c.region, [])
        if len(members) < PER_REGION:
            members.append(c)
            kept.append(c)
    return sorted(kept, key=rank_key)


def _best_set(pruned: Sequence[Candidate], size: int) -> tuple[Candidate, ...] | None:
    """The valid set of `size` with the highest total composite; ties: the better-ranked members (lexicographic)."""
    order = {c.location_id: i for i, c in enumerate(pruned)}
    best: tuple[Candidate, ...] | None = None
    best_key: tuple[int, tuple[int, ...]] | None = None
    for combo in itertools.combinations(pruned, size):
        if not all(_satisfied(combo).values()):
            continue
        key = (-sum(c.points or 0 for c in combo), tuple(sorted(order[c.location_id] for c in combo)))
        if best_key is None or key < best_key:
            best, best_key = combo, key
    return best


def _describe(c: Candidate) -> str:
    """A short readable profile of a candidate for the explanation."""
    return (f"{c.location_id} (composite {c.composite}, volume {c.volume_score}, region {c.region}, "
            f"most common PMS {'yes' if c.is_most_common_pms else 'no'})")


def _explain(pool: Sequence[Candidate], others: Sequence[Candidate], chosen: Sequence[Candidate] | None) -> list[Finding]:
    """One finding per constraint: for the chosen set, or over the eligible pool when no valid set exists.

    Checking each constraint on the whole pool is enough: when every constraint holds somewhere in a pool of >= 2,
    a valid set of <= 3 exists (take a high- and a low-volume member; add a most-common-PMS member if neither is;
    if all are in one region, swap in a same-volume-class member from another region) -- so a failed search always
    has a failing pool-level constraint to name.
    """
    ineligible = [c for c in others if not c.wave1_eligible and c.recommended_wave == 1]
    near = "; ".join(f"{c.location_id}: fails {', '.join(c.wave1_failed_criteria) or 'eligibility'}"
                     for c in ineligible[:10])
    findings: list[Finding] = []
    if chosen is not None:
        sat = _satisfied(chosen)
        for k in CONSTRAINTS:
            who = tuple(m.location_id for m in chosen if _satisfied([m])[k]) if k != "two_regions" else tuple(
                m.location_id for m in chosen)
            findings.append(Finding(k, sat[k], f"{CONSTRAINT_TEXT[k]}: met by {', '.join(who)}", who))
        findings.append(Finding("eligibility", True, f"all {len(chosen)} members are Wave-1-eligible",
                                tuple(m.location_id for m in chosen)))
        return findings

    elig_ids = tuple(c.location_id for c in pool)
    findings.append(Finding(
        "eligibility", len(pool) >= 2,
        f"{len(pool)} Wave-1-eligible location(s) ({', '.join(elig_ids) or 'none'}); at least 2 needed"
        + (f". Composite >= 4.0 but not eligible: {near}" if near else ""),
        elig_ids + tuple(c.location_id for c in ineligible[:10])))
    sat_pool = _satisfied(pool)
    for k in CONSTRAINTS:
        if k == "two_regions":
            regions = sorted({str(c.region) for c in pool})
            detail = f"{CONSTRAINT_TEXT[k]}: eligible locations are in {len(regions)} region(s) ({', '.join(regions)})"
            findings.append(Finding(k, sat_pool[k], detail, elig_ids))
            continue
        meeting = [c for c in pool if _satisfied([c])[k]]
        if meeting:
            findings.append(Finding(k, True, f"{CONSTRAINT_TEXT[k]}: possible with "
                                    + ", ".join(c.location_id for c in meeting[:10]),
                                    tuple(c.location_id for c in meeting)))
        else:
            would = [c for c in ineligible if _satisfied([c])[k]]
            detail = (f"{CONSTRAINT_TEXT[k]}: no eligible location qualifies; eligible: "
                      + ("; ".join(_describe(c) for c in pool) or "none"))
            if would:
                detail += ". Would qualify but not eligible: " + "; ".join(
                    f"{c.location_id} (fails {', '.join(c.wave1_failed_criteria)})" for c in would[:10])
            findings.append(Finding(k, False, detail, elig_ids + tuple(c.location_id for c in would[:10])))
    return findings


def _clamp(n: int, bounds: tuple[int, int], available: int) -> int:
    """n clamped to [low, high], then to what is available."""
    return min(max(n, bounds[0]), bounds[1], available)


def plan_waves(candidates: Iterable[Candidate]) -> Plan:
    """Plan Wave 1 (best valid 2-3 set) and Waves 2-4 by rank; deferred and already-live listed apart."""
    everyone = sorted(candidates, key=rank_key)
    live = [c for c in everyone if c.is_live]
    open_ = [c for c in everyone if not c.is_live]
    pool = [c for c in open_ if c.wave1_eligible]

    pruned = _prune(pool)
    chosen: tuple[Candidate, ...] | None = None
    for size in WAVE1_SIZES:
        if len(pruned) >= size:
            chosen = _best_set(pruned, size)
            if chosen is not None:
                break
    findings = _explain(pool, open_, chosen)
    wave1 = tuple(sorted(chosen, key=rank_key)) if chosen else ()
    wave1_ids = {c.location_id for c in wave1}

    assignments: list[Assignment] = []
    rank = 0

    def add(c: Candidate, group: str, wave: int | None, reason: str) -> None:
        nonlocal rank
        rank += 1
        composite = None if c.composite is None else float(c.composite)
        assignments.append(Assignment(c.location_id, group, wave, rank if wave else None, composite, reason))

    for c in wave1:
        add(c, "wave_1", 1, "best valid Wave 1 set (highest total composite meeting every constraint)")

    rest = [c for c in open_ if c.location_id not in wave1_ids and c.recommended_wave is not None]
    n2 = _clamp(sum(1 for c in rest if c.recommended_wave <= 2), WAVE2_SIZE, len(rest))
    for c in rest[:n2]:
        add(c, "wave_2", 2, f"rank {rest.index(c) + 1} of the remaining; recommended wave {c.recommended_wave}")
    rest3 = rest[n2:]
    n3 = _clamp(sum(1 for c in rest3 if c.recommended_wave <= 3), WAVE3_SIZE, len(rest3))
    for c in rest3[:n3]:
        add(c, "wave_3", 3, f"recommended wave {c.recommended_wave}")
    for c in rest3[n3:]:
        add(c, "wave_4", 4, f"recommended wave {c.recommended_wave}")
    for c in open_:
        if c.location_id not in wave1_ids and c.recommended_wave is None:
            why = "not scored (a factor is missing)" if c.composite is None else f"composite {c.composite} < 2.0"
            assignments.append(Assignment(c.location_id, "deferred", None, None,
                                          None if c.composite is None else float(c.composite),
                                          f"defer/remediate: {why}"))
    for c in live:
        assignments.append(Assignment(c.location_id, "already_live", None, None,
                                      None if c.composite is None else float(c.composite), "already live"))
    return Plan(assignments=assignments, wave1=tuple(c.location_id for c in wave1),
                wave1_valid=chosen is not None, findings=findings)
