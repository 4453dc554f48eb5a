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


def hide(df: pd.DataFrame, mask: pd.Series, columns: Iterable[str]) -> None:
    """Set `columns` to NA where `mask`, in place, and remember those cells (df.attrs["hidden"]) for display."""
    hidden: dict[str, list[bool]] = df.attrs.setdefault("hidden", {})
    mask = pd.Series(mask, index=df.index).fillna(False).astype(bool)
    for col in columns:
        if not isinstance(df[col].dtype, pd.Float64Dtype | pd.Int64Dtype):
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Float64")
        df.loc[mask, col] = pd.NA
        before = hidden.get(col, [False] * len(df))
        hidden[col] = [a or b for a, b in zip(before, mask.tolist())]


def suppress(
    df: pd.DataFrame, *, counts: Iterable[str] = (), rates: Mapping[str, str | Iterable[str]] | None = None
) -> pd.DataFrame:
    """Copy of `df` with counts 1..10 and rates over a denominator < 11 set to NA (hidden cells in attrs).

    `rates` maps a rate column to its denominator column (or several: the rate is hidden if any is small,
    e.g. a change = post - baseline needs both). A missing denominator hides the rate (fail closed).
    Counts are compared after rounding to whole units (an estimate of 7.4 recovered visits is "7").
    """
    out = df.copy()
    out.attrs = {"hidden": {k: list(v) for k, v in df.attrs.get("hidden", {}).items()}}
    original = {den: pd.to_numeric(out[den], errors="coerce") for dens in (rates or {}).values()
                for den in ([dens] if isinstance(dens, str) else dens) if den in out.columns}
    for col in counts:
        rounded = pd.to_numeric(out[col], errors="coerce").round(0).abs()
        hide(out, (rounded >= 1) & (rounded <= SMALL_COUNT_MAX), [col])
    for rate, denominators in (rates or {}).items():
        dens = [denominators] if isinstance(denominators, str) else list(denominators)
        values = pd.to_numeric(out[rate], errors="coerce")
        small = pd.Series(False, index=out.index)
        for den in dens:
            d = original.get(den, pd.Series(float("nan"), index=out.index))
            small |= d.isna() | (d < MIN_DENOMINATOR)
        # Only a value that was there is "hidden"; an empty rate (not estimable, 0/0) stays empty.
        hide(out, small & values.notna(), [rate])
    return out


def display(
    df: pd.DataFrame,
    *,
    percent: Iterable[str] = (),
    money: Iterable[str] = (),
    integer: Iterable[str] = (),
    decimals: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Display copy of a suppressed frame: numbers as text, MARKER in the cells suppress() hid.

    A value that was NULL before suppression stays empty (not estimable / not tracked), so the marker only
    ever means "hidden because small".
    """
    hidden = df.attrs.get("hidden", {})
    fmts: dict[str, str] = {}
    fmts.update({c: "{:.1%}" for c in percent})
    fmts.update({c: "${:,.0f}" for c in money})
    fmts.update({c: "{:,.0f}" for c in integer})
    fmts.update({c: "{:,.%df}" % n for c, n in (decimals or {}).items()})
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        fmt = fmts.get(col)
        marks = hidden.get(col, [False] * len(df))
        texts: list[object] = []
        for value, was_hidden in zip(df[col], marks):
            if was_hidden:
                texts.append(MARKER)
            elif fmt is not None:
                texts.append("" if pd.isna(value) else fmt.format(float(value)))
            else:
                texts.append(value)
        out[col] = pd.Series(texts, index=df.index, dtype=object)
    return out


def board_violations(
    df: pd.DataFrame, *, counts: Iterable[str] = (), rates: Mapping[str, str | Iterable[str]] | None = None
) -> list[str]:
    """Cells of a numeric board frame that break the rule (for tests and a last check before rendering)."""
    problems: list[str] = []
    for col in counts:
        values = pd.to_numeric(df[col], errors="coerce").round(0).abs()
        bad = values.between(1, SMALL_COUNT_MAX).fillna(False).astype(bool)
        problems += [f"{col}[{i}]={df[col].iloc[i]}" for i in range(len(df)) if bool(bad.iloc[i])]
    for rate, denominators in (rates or {}).items():
        dens = [denominators] if isinstance(denominators, str) else list(denominators)
        for den in dens:
            d = pd.to_numeric(df[den], errors="coerce")
            bad = (df[rate].notna() & (d.isna() | (d < MIN_DENOMINATOR))).fillna(False).astype(bool)
            problems += [f"{rate}[{i}] over {den}={d.iloc[i]}" for i in range(len(df)) if bool(bad.iloc[i])]
    return problems
