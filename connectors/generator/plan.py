"""The DSO plan: parameters, locations, PMS sources, waves, go-live dates and extract dates."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import numpy as np

from connectors.generator.calendar import day_num, weekday

# (region, regional manager, timezones used in the region). Mountain mixes Denver and Phoenix (no DST).
REGIONS: list[tuple[str, str, list[str]]] = [
    ("Northeast", "rm.northeast@example-dso.com", ["America/New_York"]),
    ("Southeast", "rm.southeast@example-dso.com", ["America/New_York"]),
    ("Midwest", "rm.midwest@example-dso.com", ["America/Chicago"]),
    ("Texas", "rm.texas@example-dso.com", ["America/Chicago"]),
    ("Mountain", "rm.mountain@example-dso.com", ["America/Denver", "America/Phoenix"]),
    ("Pacific", "rm.pacific@example-dso.com", ["America/Los_Angeles"]),
]
CITIES = {
    "Northeast": ["Albany", "Hartford", "Worcester", "Scranton", "Syracuse", "Providence", "Newark", "Trenton"],
    "Southeast": ["Raleigh", "Savannah", "Charleston", "Orlando", "Tampa", "Columbia", "Durham", "Macon"],
    "Midwest": ["Peoria", "Madison", "Omaha", "Des Moines", "Springfield", "Rockford", "Naperville", "Joliet"],
    "Texas": ["Austin", "Waco", "Plano", "Tyler", "Irving", "Frisco", "McKinney", "Killeen"],
    "Mountain": ["Boulder", "Mesa", "Tempe", "Provo", "Pueblo", "Ogden", "Chandler", "Greeley"],
    "Pacific": ["Fresno", "Eugene", "Tacoma", "Salem", "Modesto", "Spokane", "Irvine", "Visalia"],
}
# Supported versions as the vendors print them; the last entries are below the playbook minimum.
VERSIONS = {
    "opendental": (["23.3.45", "24.1.22", "22.4.40", "24.3.11"], ["21.4.33"]),
    "eaglesoft": (["22.00", "21.20", "23.10", "24.00"], ["20.10"]),
    "dentrix": (["G7.5", "G7.3", "G7.7", "G7.6"], ["G7.1", "G6.8"]),
}
# Go-live of wave k at this fraction of the history span (730 days -> 15, 10.5, 6.6 and 3.3 months before end).
WAVE_FRACTIONS = (0.385, 0.57, 0.73, 0.865)


@dataclass(frozen=True)
class Params:
    """Generator parameters (all of them end up in _truth/effects.json)."""

    out: str
    locations: int = 30
    end_date: date = field(default_factory=date.today)
    seed: int = 42
    effect_scale: float = 1.0
    history_days: int = 730
    cadence_days: int = 7
    first_extract_offset_days: int = 91
    defects: str = "none"
    # > 0: the cadence ends this many days before end_date and one more delta extract lands on end_date
    # (the benchmark's "one new day of delta extracts": drop the end_date folders to get the day before).
    daily_tail_days: int = 0

    def as_json(self) -> dict:
        """Parameters as JSON-friendly values."""
        d = asdict(self)
        d.pop("out")  # where it was written is not a property of the data (keeps effects.json byte-identical)
        d["end_date"] = self.end_date.isoformat()
        return d


@dataclass
class Location:
    """One row of locations.csv plus the generator's hidden per-location traits."""

    index: int
    location_id: str
    location_name: str
    region: str
    regional_manager: str
    pms: str
    pms_version: str
    source_id: str
    source_location_key: str
    timezone: str
    opened_date: date
    wave: int | None = None
    go_live_date: date | None = None
    planned_major_change: str | None = None
    # hidden traits
    local_key: int = 0  # ClinicNum / practice_id / Dentrix location number within the source
    operatories: list[int] = field(default_factory=list)
    readiness: float = 3.0  # latent 1-5
    econfirm: bool = False  # Open Dental clinic using eConfirmations/SMS before go-live


@dataclass
class Source:
    """One PMS database (folder pms/<source_id>)."""

    source_id: str
    pms: str
    version: str
    locations: list[Location]


@dataclass
class Plan:
    """Everything decided before simulating: locations, sources, dates."""

    params: Params
    locations: list[Location]
    sources: list[Source]
    history_start: date
    extract_dates: list[date]


def extract_dates(p: Params, history_start: date) -> list[date]:
    """Extract dates on a cadence ending on end_date; the first (full) is the earliest >= start + offset."""
    first_target = history_start + timedelta(days=p.first_extract_offset_days)
    dates = [p.end_date] if p.daily_tail_days > 0 else []
    d = p.end_date - timedelta(days=p.daily_tail_days)
    while d >= first_target:
        dates.append(d)
        d -= timedelta(days=p.cadence_days)
    if not dates:
        dates = [p.end_date]
    return sorted(dates)


def _split(n: int, lo: int, hi: int, rng: np.random.Generator) -> list[int]:
    """Split n into group sizes in [lo, hi] (a remainder below lo joins the previous group)."""
    sizes: list[int] = []
    left = n
    while left > 0:
        s = int(rng.integers(lo, hi + 1))
        s = min(s, left)
        if s < lo and sizes:
            sizes[-1] += s
        else:
            sizes.append(s)
        left -= s
    return sizes


def build_plan(p: Params) -> Plan:
    """Decide locations, PMS sources, versions, waves and go-live dates (deterministic for the seed)."""
    rng = np.random.default_rng([p.seed, 1])
    n = p.locations
    if n < 3:
        raise ValueError("need at least 3 locations (one per PMS)")
    history_start = p.end_date - timedelta(days=p.history_days)
    n_od = max(2, round(0.4 * n)) if n >= 6 else 1
    n_es = max(2, round(0.3 * n)) if n >= 6 else 1
    n_dx = n - n_od - n_es
    groups: list[tuple[str, int]] = []
    groups += [("opendental", s) for s in _split(n_od, 2, 8, rng)]
    groups += [("eaglesoft", s) for s in _split(n_es, 2, 6, rng)]
    dx_sizes = [1] * n_dx
    if n_dx >= 5:  # one Dentrix database shared by two locations, split by operatory
        dx_sizes = [2] + [1] * (n_dx - 2)
    groups += [("dentrix", s) for s in dx_sizes]
    # interleave vendors so regions get a mix, deterministically
    order = rng.permutation(len(groups))
    groups = [groups[i] for i in order]

    n_regions = min(len(REGIONS), max(1, len(groups)))
    # two databases below the playbook minimum, single-location ones first ("a couple" of locations)
    singles = [i for i, g in enumerate(groups) if g[1] == 1] or list(range(len(groups)))
    low_version_sources = set(rng.choice(singles, size=min(2, len(singles)), replace=False).tolist())
    locations: list[Location] = []
    sources: list[Source] = []
    counters = {"opendental": 0, "eaglesoft": 0, "dentrix": 0}
    prefix = {"opendental": "od", "eaglesoft": "es", "dentrix": "dx"}
    city_use: dict[str, int] = {}
    for gi, (pms, size) in enumerate(groups):
        region, manager, zones = REGIONS[gi % n_regions]
        tz = zones[int(rng.integers(0, len(zones)))]
        counters[pms] += 1
        sid = f"{prefix[pms]}-{counters[pms]:03d}"
        ok, low = VERSIONS[pms]
        version = low[int(rng.integers(0, len(low)))] if gi in low_version_sources else ok[int(rng.integers(0, len(ok)))]
        src = Source(sid, pms, version, [])
        op_next = 1
        for j in range(size):
            idx = len(locations)
            city_list = CITIES[region]
            c = city_use.get(region, 0)
            city_use[region] = c + 1
            city = city_list[c % len(city_list)] + ("" if c < len(city_list) else f" {c // len(city_list) + 1}")
            n_ops = int(rng.integers(4, 10))
            ops = list(range(op_next, op_next + n_ops))
            op_next += n_ops
            if pms == "dentrix":
                key = ";".join(str(o) for o in ops) if size > 1 else ""
            else:
                key = str(j + 1)
            opened = date(int(rng.integers(1995, 2021)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
            loc = Location(
                index=idx,
                location_id=f"LOC-{idx + 1:03d}" if n < 1000 else f"LOC-{idx + 1:04d}",
                location_name=f"{city} Family Dental",
                region=region,
                regional_manager=manager,
                pms=pms,
                pms_version=version,
                source_id=sid,
                source_location_key=key,
                timezone=tz,
                opened_date=min(opened, history_start - timedelta(days=400)),
                local_key=j + 1,
                operatories=ops,
                readiness=float(np.clip(rng.normal(3.3, 0.8), 1.2, 5.0)),
                econfirm=bool(pms == "opendental" and rng.random() < 0.6),
            )
            src.locations.append(loc)
            locations.append(loc)
        sources.append(src)

    _assign_waves(p, locations, history_start, rng)
    return Plan(p, locations, sources, history_start, extract_dates(p, history_start))


def _assign_waves(p: Params, locs: list[Location], history_start: date, rng: np.random.Generator) -> None:
    """Pick waves (about 20% of locations stay not yet live) and staggered go-live Mondays; plan changes."""
    n = len(locs)
    n_live = n - max(1, round(0.2 * n))
    w1 = min(3, max(2, round(0.1 * n_live))) if n_live >= 4 else 1
    rest = n_live - w1
    w2 = max(1, round(rest * 0.29)) if rest >= 3 else min(rest, 1)
    w3 = max(1, round(rest * 0.40)) if rest - w2 >= 2 else min(rest - w2, 1)
    w4 = rest - w2 - w3
    sizes = [w1, w2, w3, w4]

    # Wave 1: the most ready Open Dental location, then the most ready ones from other regions.
    by_ready = sorted(locs, key=lambda l: (-l.readiness, l.index))
    wave1: list[Location] = []
    od = [l for l in by_ready if l.pms == "opendental"]
    if od:
        wave1.append(od[0])
    for l in by_ready:
        if len(wave1) >= w1:
            break
        if l in wave1:
            continue
        if len(wave1) == 1 and l.region == wave1[0].region and len({x.region for x in locs}) > 1:
            continue
        wave1.append(l)
    remaining = [l for l in locs if l not in wave1]
    order = rng.permutation(len(remaining))
    remaining = [remaining[i] for i in order]
    # Less ready locations tend to go later: sort the shuffled list by noisy readiness.
    noisy = [l.readiness + rng.normal(0, 0.8) for l in remaining]
    remaining = [l for _, l in sorted(zip(noisy, remaining), key=lambda t: -t[0])]
    waves = [wave1]
    pos = 0
    for s in sizes[1:]:
        waves.append(remaining[pos : pos + s])
        pos += s
    span = p.history_days
    for w, members in enumerate(waves, start=1):
        base = history_start + timedelta(days=round(WAVE_FRACTIONS[w - 1] * span))
        base -= timedelta(days=base.weekday())  # a Monday
        for j, l in enumerate(sorted(members, key=lambda x: x.index)):
            l.wave = w
            l.go_live_date = base + timedelta(weeks=j % 3)
    # planned major changes at two not-yet-live (or late-wave) locations
    late = [l for l in locs if l.wave is None] + [l for l in locs if l.wave == 4]
    for l, text in zip(late[:2], ("renovation", "relocation")):
        when = p.end_date + timedelta(days=200 if text == "renovation" else 120)
        l.planned_major_change = f"{text} {when.year:04d}-{when.month:02d}"


def is_open_weekday_table() -> np.ndarray:
    """Relative volume per weekday Mon..Sun for a practice closed on weekends (Friday short)."""
    return np.array([1.0, 1.06, 1.0, 0.98, 0.6, 0.0, 0.0])


def go_live_day(loc: Location) -> int | None:
    """Go-live as a day number, or None."""
    return day_num(loc.go_live_date) if loc.go_live_date else None


__all__ = ["Params", "Location", "Source", "Plan", "build_plan", "weekday", "go_live_day"]
