"""Day arithmetic on integer day numbers (days since 1970-01-01), US holidays and timezone offsets."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

EPOCH = date(1970, 1, 1)
DAY = 86_400


def day_num(d: date) -> int:
    """Day number of a date (days since 1970-01-01)."""
    return (d - EPOCH).days


def day_date(n: int) -> date:
    """Date of a day number."""
    return EPOCH + timedelta(days=int(n))


def weekday(days: np.ndarray | int) -> np.ndarray | int:
    """Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def add_months(days: np.ndarray, n: int) -> np.ndarray:
    """Add n calendar months, clipping the day to the month's end (as DuckDB's date + INTERVAL n MONTH)."""
    dt = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    month = dt.astype("datetime64[M]")
    dom = (dt - month.astype("datetime64[D]")).astype(np.int64)
    month2 = month + n
    mlen = ((month2 + 1).astype("datetime64[D]") - month2.astype("datetime64[D]")).astype(np.int64)
    return (month2.astype("datetime64[D]").astype(np.int64) + np.minimum(dom, mlen - 1)).astype(np.int64)


def _nth_weekday(year: int, month: int, wd: int, n: int) -> date:
    """n-th (1-based; -1 = last) weekday `wd` (Mon=0) of a month."""
    if n > 0:
        d = date(year, month, 1)
        d += timedelta(days=(wd - d.weekday()) % 7)
        return d + timedelta(weeks=n - 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    d = nxt - timedelta(days=1)
    return d - timedelta(days=(d.weekday() - wd) % 7)


def us_practice_holidays(first_year: int, last_year: int) -> set[int]:
    """Day numbers on which a US dental practice is typically closed."""
    out: set[int] = set()
    for y in range(first_year, last_year + 1):
        for d in (
            date(y, 1, 1),
            _nth_weekday(y, 5, 0, -1),  # Memorial Day
            date(y, 7, 4),
            _nth_weekday(y, 9, 0, 1),  # Labor Day
            _nth_weekday(y, 11, 3, 4),  # Thanksgiving
            _nth_weekday(y, 11, 3, 4) + timedelta(days=1),
            date(y, 12, 24),
            date(y, 12, 25),
            date(y, 12, 31),
        ):
            out.add(day_num(d))
    return out


def tz_offsets(tz: str, d0: int, d1: int) -> np.ndarray:
    """UTC offset strings ('-06:00') at local noon for days d0..d1-1 (DST switches at 02:00, so they hold 06:00-24:00)."""
    zone = ZoneInfo(tz)
    out = []
    for n in range(d0, d1):
        d = day_date(n)
        off = datetime(d.year, d.month, d.day, 12, tzinfo=zone).utcoffset()
        minutes = int(off.total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        minutes = abs(minutes)
        out.append(f"{sign}{minutes // 60:02d}:{minutes % 60:02d}")
    return np.array(out)
