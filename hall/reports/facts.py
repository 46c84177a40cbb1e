"""A day's (or a range's) facts as numpy columns: one row per ticket, one row per visit.

Text columns (service, channel, clerk, outcome) are stored as small integer codes plus their names, so a year of
facts is a few arrays of a million numbers, and one day saves to a compact .npz blob (report_days.facts).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

# column → numpy type; "cat" columns are codes into names[column]
TICKET_COLUMNS = {"ticket": np.int64, "day": np.int32, "hour": np.int8, "service": "cat", "channel": "cat",
                  "counter": np.int16, "clerk": "cat", "wait": np.float64, "cancelled": np.int16}
VISIT_COLUMNS = {"day": np.int32, "hour": np.int8, "service": "cat", "counter": np.int16, "clerk": "cat",
                 "outcome": "cat", "walk": np.float64, "service_s": np.float64, "rating": np.int8}
CODE = np.int32


@dataclass
class Table:
    """Equal-length columns; cat columns hold codes into `names`."""
    spec: dict
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, spec: dict, rows: list[dict]) -> "Table":
        table = cls(spec)
        for col, kind in spec.items():
            values = [r[col] for r in rows]
            if kind == "cat":
                names = sorted(set(values))
                index = {n: i for i, n in enumerate(names)}
                table.columns[col] = np.array([index[v] for v in values], dtype=CODE)
                table.names[col] = names
            else:
                table.columns[col] = np.array(values, dtype=kind)
        return table

    def __len__(self) -> int:
        first = next(iter(self.columns.values()), None)
        return 0 if first is None else len(first)

    def text(self, col: str) -> np.ndarray:
        """A cat column as an array of its names (for small tables and tests)."""
        return np.array(self.names[col], dtype=object)[self.columns[col]] if len(self) else np.array([], dtype=object)

    @classmethod
    def concat(cls, spec: dict, parts: list["Table"]) -> "Table":
        out = cls(spec)
        for col, kind in spec.items():
            if kind != "cat":
                out.columns[col] = np.concatenate([p.columns[col] for p in parts] or [np.array([], dtype=kind)])
                continue
            names = sorted({n for p in parts for n in p.names[col]})
            index = {n: i for i, n in enumerate(names)}
            codes = []
            for p in parts:
                lut = np.array([index[n] for n in p.names[col]], dtype=CODE)
                codes.append(lut[p.columns[col]] if len(lut) else p.columns[col].astype(CODE))
            out.columns[col] = np.concatenate(codes or [np.array([], dtype=CODE)])
            out.names[col] = names
        return out


@dataclass
class Facts:
    tickets: Table
    visits: Table

    @classmethod
    def from_rows(cls, tickets: list[dict], visits: list[dict]) -> "Facts":
        return cls(Table.from_rows(TICKET_COLUMNS, tickets), Table.from_rows(VISIT_COLUMNS, visits))

    @classmethod
    def concat(cls, parts: list["Facts"]) -> "Facts":
        return cls(Table.concat(TICKET_COLUMNS, [p.tickets for p in parts]),
                   Table.concat(VISIT_COLUMNS, [p.visits for p in parts]))

    def to_bytes(self) -> bytes:
        arrays = {}
        for prefix, table in (("t", self.tickets), ("v", self.visits)):
            for col, values in table.columns.items():
                arrays[f"{prefix}.{col}"] = values
            for col, names in table.names.items():
                arrays[f"{prefix}.names.{col}"] = np.array(names, dtype=str)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> "Facts":
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            tables = []
            for prefix, spec in (("t", TICKET_COLUMNS), ("v", VISIT_COLUMNS)):
                table = Table(spec)
                for col, kind in spec.items():
                    table.columns[col] = npz[f"{prefix}.{col}"]
                    if kind == "cat":
                        table.names[col] = [str(n) for n in npz[f"{prefix}.names.{col}"]]
                tables.append(table)
        return cls(*tables)
