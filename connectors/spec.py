"""The extract contract (connectors/contract/tables.yml) as typed Python objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTRACT_PATH = Path(__file__).resolve().parent / "contract" / "tables.yml"

# Types whose text is split into two typed columns (suffix, SQL type) in the raw layer.
SPLIT_TYPES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "dt_or_tstz": (("_local", "TIMESTAMP"), ("_utc", "TIMESTAMPTZ")),
    "date_or_tstz": (("_date", "DATE"), ("_utc", "TIMESTAMPTZ")),
}
SQL_TYPES: dict[str, str] = {
    "key": "VARCHAR",
    "text": "VARCHAR",
    "int": "BIGINT",
    "dec": "DOUBLE",
    "date": "DATE",
    "dt": "TIMESTAMP",
    "date_or_dt": "TIMESTAMP",
    "time": "TIME",
    "tstz": "TIMESTAMPTZ",
    "b01": "BOOLEAN",
    "yn": "BOOLEAN",
}
DATE_LIKE = {"date", "dt", "date_or_dt", "dt_or_tstz", "date_or_tstz"}

# Metadata columns on every raw table (docs/architecture.md "Raw layer").
META_COLUMNS: list[tuple[str, str]] = [
    ("_source_id", "VARCHAR"),
    ("_extract_date", "DATE"),
    ("_file", "VARCHAR"),
    ("_line", "BIGINT"),
    ("_is_deleted", "BOOLEAN"),
    ("_load_id", "VARCHAR"),
]


@dataclass(frozen=True)
class ColumnSpec:
    """One contract column: its vendor name, type and whether it must be in the header / have a value."""

    name: str
    type: str
    required: bool  # must be in the header
    nullable: bool  # an empty value is allowed
    optional: bool = False  # contract 'optional': unparseable value -> NULL + finding (not a bad row)

    @property
    def lname(self) -> str:
        """Lower-cased raw-layer name."""
        return self.name.lower()

    def outputs(self) -> list[tuple[str, str]]:
        """Raw-layer (column name, SQL type) pairs this column becomes."""
        if self.type in SPLIT_TYPES:
            return [(self.lname + suffix, sql) for suffix, sql in SPLIT_TYPES[self.type]]
        return [(self.lname, SQL_TYPES[self.type])]


@dataclass(frozen=True)
class TableSpec:
    """One file of the drop as the contract describes it."""

    vendor: str
    name: str
    folder: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    log: bool = False
    change_ts: str | None = None
    required_table: Any = None  # True, "when_keys_set", "one_recall_file" or None
    enum: dict[str, list[str]] = field(default_factory=dict)
    ranges: dict[str, list[Any]] = field(default_factory=dict)
    row_checks: tuple[dict[str, str], ...] = ()
    relaxed_when: str | None = None
    relaxed_required: tuple[str, ...] = ()
    sentinel_null: tuple[str, ...] = ()
    all_columns_in_header: bool = False
    location_column: str | None = None

    @property
    def raw_name(self) -> str:
        """Unqualified raw table name, e.g. opendental__appointment."""
        return f"{self.vendor}__{self.name}"

    @property
    def qualified(self) -> str:
        """Schema-qualified raw table name."""
        return f'raw."{self.raw_name}"'

    def column(self, name: str) -> ColumnSpec:
        """The column spec named `name` (contract spelling)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def output_columns(self) -> list[tuple[str, str]]:
        """All typed raw-layer columns, in contract order."""
        return [out for col in self.columns for out in col.outputs()]

    def ddl(self) -> str:
        """CREATE TABLE statement of the raw table."""
        cols = self.output_columns() + META_COLUMNS
        body = ", ".join(f'"{n}" {t}' for n, t in cols)
        return f"CREATE TABLE IF NOT EXISTS {self.qualified} ({body})"


@dataclass(frozen=True)
class VendorSpec:
    """A vendor (or project feed) and its tables."""

    name: str
    folder: str
    tables: dict[str, TableSpec]
    sentinel_null: tuple[str, ...] = ()


def _table(vendor: str, folder: str, vdef: dict, name: str, tdef: dict) -> TableSpec:
    """Build one TableSpec from its YAML entry."""
    required = tdef.get("required", {}) or {}
    optional = tdef.get("optional", {}) or {}
    nullable = set(tdef.get("nullable", []) or [])
    all_in_header = bool(vdef.get("all_columns_in_header", False))
    cols = [ColumnSpec(c, t, True, c in nullable) for c, t in required.items()]
    cols += [ColumnSpec(c, t, all_in_header, True, True) for c, t in optional.items()]
    relaxed = tdef.get("relaxed_required") or {}
    return TableSpec(
        vendor=vendor,
        name=name,
        folder=folder,
        columns=tuple(cols),
        key=tuple(tdef.get("key", []) or []),
        log=bool(tdef.get("log", False)),
        change_ts=tdef.get("change_ts"),
        required_table=tdef.get("required_table"),
        enum=dict(tdef.get("enum", {}) or {}),
        ranges=dict(tdef.get("ranges", {}) or {}),
        row_checks=tuple(tdef.get("row_checks", []) or []),
        relaxed_when=relaxed.get("when"),
        relaxed_required=tuple(relaxed.get("required", []) or []),
        sentinel_null=tuple(vdef.get("sentinel_null", []) or []),
        all_columns_in_header=all_in_header,
        location_column=vdef.get("location_column"),
    )


@lru_cache(maxsize=4)
def load_contract(path: Path = CONTRACT_PATH) -> dict[str, VendorSpec]:
    """Parse tables.yml into {vendor: VendorSpec}."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    vendors: dict[str, VendorSpec] = {}
    for vname, vdef in doc["vendors"].items():
        folder = vdef["folder"]
        tables = {t: _table(vname, folder, vdef, t, tdef) for t, tdef in vdef["tables"].items()}
        vendors[vname] = VendorSpec(vname, folder, tables, tuple(vdef.get("sentinel_null", []) or []))
    return vendors


def all_tables() -> list[TableSpec]:
    """Every table of every vendor in the contract."""
    return [t for v in load_contract().values() for t in v.tables.values()]
