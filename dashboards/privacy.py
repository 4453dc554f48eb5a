"""Small-number suppression for board views and the patient-identifier column guard (metrics.md section 7).

One implementation for every page: board views show no count from 1 to 10 and no rate whose denominator is
below 11. Suppressed cells become NA in numeric frames (charts drop them) and the marker ``<11`` in display
frames (tables and CSV downloads).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

SMALL_COUNT_MAX = 10  # counts 1..10 are hidden; 0 is shown (a true zero identifies nobody)
MIN_DENOMINATOR = 11  # a rate is shown only over 11 or more
MARKER = "<11"

# Column names that would carry patient identifiers. Marts must never have them; the data layer refuses to
# return such a column (derived flags like has_textable_mobile / has_valid_email are allowed).
_PHI_COLUMN = re.compile(
    r"(^|_)(first|last|middle|preferred|patient|pat|guarantor)_?name($|_)"
    r"|(^|_)(f|l)name$|birth|(^|_)dob($|_)|phone|(^|_)(mobile|cell|wireless)($|_)|e_?mail|(^|_)ssn($|_)"
    r"|(^|_)(street|postal|zip)($|_)|(^|_)address"
)
_FLAG_PREFIXES = ("has_", "is_", "n_", "pct_", "share_", "rows_")


def is_phi_column(name: str) -> bool:
    """True when a column name looks like a patient identifier (name, birthdate, phone, email, address)."""
    lowered = name.lower()
    if lowered.startswith(_FLAG_PREFIXES) or lowered.endswith(("_flag", "_count", "_share", "_rate")):
        return False
    return bool(_PHI_COLUMN.search(lowered))


def phi_columns(columns: Iterable[str]) -> list[str]:
    """The columns of `columns` that look like patient identifiers."""
    return [c for c in columns if is_phi_column(c)]


def suppress(
    df: pd.DataFrame, *, counts: Iterable[str] = (), rates: Mapping[str, str | Iterable[str]] | None = None
) -> pd.DataFrame:
    """Copy of `df` with counts 1..10 and rates over a denominator < 11 set to NA.

    `rates` maps a rate column to its denominator column (or several: the rate is hidden if any is small,
    e.g. a change = post - baseline needs both). A missing denominator hides the rate (fail closed).
    Counts are compared after rounding to whole units (an estimate of 7.4 recovered visits is "7").
    """
    out = df.copy()
    for col in counts:
        values = pd.to_numeric(out[col], errors="coerce").astype("Float64")
        rounded = values.round(0).abs()
        out[col] = values.mask((rounded >= 1) & (rounded <= SMALL_COUNT_MAX))
    for rate, denominators in (rates or {}).items():
        dens = [denominators] if isinstance(denominators, str) else list(denominators)
        values = pd.to_numeric(out[rate], errors="coerce").astype("Float64")
        hide = pd.Series(False, index=out.index)
        for den in dens:
            d = pd.to_numeric(out[den], errors="coerce") if den in out.columns else pd.Series(float("nan"), index=out.index)
            hide |= d.isna() | (d < MIN_DENOMINATOR)
        out[rate] = values.mask(hide)
    return out


def display(
    df: pd.DataFrame,
    *,
    suppressed: pd.DataFrame,
    percent: Iterable[str] = (),
    money: Iterable[str] = (),
    integer: Iterable[str] = (),
    decimals: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Display copy: numbers as text, and MARKER where `suppressed` hid a value that `df` had.

    A value that was NULL before suppression stays empty (not estimable / not tracked), so "<11" only
    ever means "hidden because small".
    """
    out = suppressed.copy().astype(object)
    fmts: dict[str, str] = {}
    fmts.update({c: "{:.1%}" for c in percent})
    fmts.update({c: "${:,.0f}" for c in money})
    fmts.update({c: "{:,.0f}" for c in integer})
    fmts.update({c: "{:,.%df}" % n for c, n in (decimals or {}).items()})
    for col in suppressed.columns:
        fmt = fmts.get(col)
        was = df[col]
        now = suppressed[col]
        texts = []
        for before, after in zip(was, now):
            if pd.isna(after):
                texts.append(MARKER if not pd.isna(before) else "")
            elif fmt is not None:
                texts.append(fmt.format(float(after)))
            else:
                texts.append(after)
        out[col] = texts
    return out


def board_violations(
    df: pd.DataFrame, *, counts: Iterable[str] = (), rates: Mapping[str, str | Iterable[str]] | None = None
) -> list[str]:
    """Cells of a numeric board frame that break the rule (for tests and a last check before rendering)."""
    problems: list[str] = []
    for col in counts:
        values = pd.to_numeric(df[col], errors="coerce").round(0).abs()
        bad = values.between(1, SMALL_COUNT_MAX)
        problems += [f"{col}[{i}]={df[col].iloc[i]}" for i in range(len(df)) if bool(bad.iloc[i])]
    for rate, denominators in (rates or {}).items():
        dens = [denominators] if isinstance(denominators, str) else list(denominators)
        for den in dens:
            d = pd.to_numeric(df[den], errors="coerce")
            bad = df[rate].notna() & (d.isna() | (d < MIN_DENOMINATOR))
            problems += [f"{rate}[{i}] over {den}={d.iloc[i]}" for i in range(len(df)) if bool(bad.iloc[i])]
    return problems
