"""CSV output: contract headers from tables.yml, value formatting and append-only file sinks."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from connectors.generator.calendar import DAY

TABLES_YML = Path(__file__).resolve().parent.parent / "contract" / "tables.yml"


@lru_cache(maxsize=1)
def contract() -> dict:
    """The parsed contract (connectors/contract/tables.yml)."""
    return yaml.safe_load(TABLES_YML.read_text())


def columns(vendor: str, table: str) -> list[str]:
    """Contract column names of a table: required columns, then optional ones, in tables.yml order."""
    spec = contract()["vendors"][vendor]["tables"][table]
    return list(spec.get("required", {})) + list(spec.get("optional", {}))


def dt(secs: np.ndarray | pl.Series, fmt: str = "%Y-%m-%d %H:%M:%S") -> pl.Series:
    """Local-epoch seconds -> wall-clock strings; negative values (none) -> NULL."""
    s = pl.Series("x", np.asarray(secs, dtype=np.int64))
    out = pl.from_epoch(s, time_unit="s").dt.strftime(fmt)
    return pl.select(pl.when(s >= 0).then(out).otherwise(None)).to_series()


def date_str(days: np.ndarray) -> pl.Series:
    """Day numbers -> 'YYYY-MM-DD'; -1 (none) -> NULL (dates before 1970, e.g. birthdates, are fine)."""
    d = np.asarray(days, dtype=np.int64)
    s = pl.Series("d", d).cast(pl.Int32).cast(pl.Date).dt.strftime("%Y-%m-%d")
    return pl.select(pl.when(pl.Series(d != -1)).then(s).otherwise(None)).to_series()


class Offsets:
    """UTC offset of a location's timezone, for turning local-epoch seconds into tstz strings."""

    def __init__(self, offsets: np.ndarray, first_day: int) -> None:
        """Offsets per day (at local noon) starting at first_day."""
        self.offsets = offsets
        self.first_day = first_day

    def tstz(self, secs: np.ndarray) -> pl.Series:
        """ISO 8601 with offset, e.g. 2026-03-02T09:15:00-06:00; negative (none) -> NULL."""
        secs = np.asarray(secs, dtype=np.int64)
        # DST switches at 02:00 local: before 02:00 the previous day's offset still holds.
        day = (secs - 7200) // DAY - self.first_day
        day = np.clip(day, 0, len(self.offsets) - 1)
        off = pl.Series("o", self.offsets[day])
        local = dt(secs, "%Y-%m-%dT%H:%M:%S")
        return pl.select(pl.when(local.is_not_null()).then(local + off).otherwise(None)).to_series()


class Sink:
    """Appends DataFrames to CSV files under a root, writing the header when a file is created."""

    def __init__(self, root: Path) -> None:
        """Sink writing under root."""
        self.root = root
        self.created: set[Path] = set()

    def write(self, rel: str, df: pl.DataFrame, header_cols: list[str] | None = None) -> None:
        """Append df (columns in order) to root/rel; creates the file with a header on first use."""
        path = self.root / rel
        if path not in self.created:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="") as fh:
                fh.write(",".join(header_cols or df.columns) + "\n")
            self.created.add(path)
        if df.height:
            with path.open("ab") as fh:
                df.write_csv(fh, include_header=False, line_terminator="\n", float_precision=2)

    def touch(self, rel: str, cols: list[str]) -> None:
        """Create a header-only file if it does not exist yet."""
        self.write(rel, pl.DataFrame({c: [] for c in cols}, schema={c: pl.String for c in cols}), cols)

    def json(self, rel: str, obj: dict) -> None:
        """Write a JSON file (sorted keys, stable bytes)."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def bucket(t: np.ndarray, extract_secs: np.ndarray) -> np.ndarray:
    """Index of the first extract whose date (00:00) is after t; len(extract_secs) = after the last one."""
    return np.searchsorted(extract_secs, np.asarray(t, dtype=np.int64), side="right")


def last_per_key(key: np.ndarray, k: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Indices of the latest (by t, then position) row per (k, key): the version an extract k shows."""
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((np.arange(n), t, key, k))
    ks, keys = k[order], key[order]
    last = np.ones(n, dtype=bool)
    last[:-1] = (ks[1:] != ks[:-1]) | (keys[1:] != keys[:-1])
    return order[last]
