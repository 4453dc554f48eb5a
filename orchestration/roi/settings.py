"""Loader of the ROI settings file (assumptions.yml): money assumptions with sources, estimation settings."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SETTINGS_PATH = Path(__file__).resolve().parent / "assumptions.yml"
ENV_VAR = "DSO_ROI_SETTINGS"


@dataclass(frozen=True)
class Assumption:
    """One named money assumption: value, unit and where the default comes from."""

    name: str
    value: float
    unit: str
    source: str

    def label(self) -> str:
        """Short text shown next to a dollar figure, e.g. 'hygiene_visit_value = 200 USD per ...'."""
        return f"{self.name} = {self.value:g} {self.unit}"


@dataclass(frozen=True)
class MoneyAssumptions:
    """The five money assumptions of metrics.md §6."""

    production_per_visit: Assumption
    hygiene_visit_value: Assumption
    front_desk_hourly_wage: Assumption
    subscription_per_location_month: Assumption
    implementation_cost_per_location: Assumption

    def all(self) -> list[Assumption]:
        """Every assumption, in declaration order."""
        return [getattr(self, f.name) for f in fields(self)]


@dataclass(frozen=True)
class AnalysisSettings:
    """Estimation settings: bootstrap draws, seed, alpha, estimability minimums, effect level for money."""

    bootstrap_draws: int = 999
    seed: int = 20210101
    alpha: float = 0.05
    min_treated: int = 1
    min_control: int = 1
    effect_level: str = "overall"
    # Primary pre-trend test: weekly leads averaged in bins of this many weeks, at most this many bins
    # (monthly panels use 1-month bins, same number of bins).
    pretrend_bin_weeks: int = 4
    pretrend_bins: int = 6


@dataclass(frozen=True)
class RoiSettings:
    """Everything in the settings file."""

    assumptions: MoneyAssumptions
    analysis: AnalysisSettings
    path: Path


def settings_path() -> Path:
    """The settings file: $DSO_ROI_SETTINGS if set, else the packaged assumptions.yml."""
    value = os.environ.get(ENV_VAR)
    return Path(value).expanduser().resolve() if value else DEFAULT_SETTINGS_PATH


def _assumption(name: str, raw: Any) -> Assumption:
    """Validate one assumption entry: numeric value >= 0, non-empty unit and source."""
    if not isinstance(raw, dict):
        raise ValueError(f"assumption {name}: expected a mapping with value, unit, source")
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"assumption {name}: value must be a number >= 0, got {value!r}")
    for key in ("unit", "source"):
        text = raw.get(key)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"assumption {name}: {key} must be a non-empty text")
    return Assumption(name=name, value=float(value), unit=raw["unit"].strip(), source=" ".join(raw["source"].split()))


def load_settings(path: Path | None = None) -> RoiSettings:
    """Read and validate the ROI settings file; every money assumption must be present with its source."""
    path = path or settings_path()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    raw = data.get("assumptions") or {}
    names = [f.name for f in fields(MoneyAssumptions)]
    missing = [n for n in names if n not in raw]
    if missing:
        raise ValueError(f"{path}: missing assumptions {missing}")
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise ValueError(f"{path}: unknown assumptions {unknown}")
    assumptions = MoneyAssumptions(**{n: _assumption(n, raw[n]) for n in names})

    a = data.get("analysis") or {}
    allowed = {f.name for f in fields(AnalysisSettings)}
    unknown = sorted(set(a) - allowed)
    if unknown:
        raise ValueError(f"{path}: unknown analysis settings {unknown}")
    analysis = AnalysisSettings(**a)
    if analysis.bootstrap_draws < 1 or not (0 < analysis.alpha < 1):
        raise ValueError(f"{path}: bootstrap_draws must be >= 1 and 0 < alpha < 1")
    if analysis.pretrend_bin_weeks < 1 or analysis.pretrend_bins < 1:
        raise ValueError(f"{path}: pretrend_bin_weeks and pretrend_bins must be >= 1")
    if analysis.effect_level not in ("overall", "wave"):
        raise ValueError(f"{path}: effect_level must be 'overall' or 'wave'")
    return RoiSettings(assumptions=assumptions, analysis=analysis, path=path)
