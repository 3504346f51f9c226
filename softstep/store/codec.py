"""Conversions between the model's objects and database rows. Pure functions, no I/O.

Missing values are stored as SQL NULL everywhere (never a float NaN, which PostgreSQL would
keep and which would poison its aggregates); on the way back the column's pandas dtype turns
NULL into NaN (float64) or <NA> (string, boolean, Int64).

Example
-------
>>> import pandas as pd
>>> table = pd.DataFrame({"km": [1, 2], "pace_s_per_km": [301.5, float("nan")]})
>>> doc = table_to_json(table)
>>> doc["rows"]
[[1, 301.5], [2, None]]
>>> table_from_json(doc).equals(table)
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from softstep.model import Evidence, Finding, Plan, PlanItem, PlanWeek, to_jsonable


def column_values(series: pd.Series) -> list[Any]:
    """``series`` as a list of plain Python values with None for NaN / <NA>.

    Vectorised: one mask per column, no per-value type tests. Example:
    ``column_values(pd.Series([1.0, np.nan]))`` -> ``[1.0, None]``.
    """
    missing = series.isna().to_numpy()
    if series.dtype == np.float64:
        values = series.to_numpy().astype(object)
    else:
        values = np.asarray(series.astype(object).tolist(), dtype=object)
    if missing.any():
        values[missing] = None
    return values.tolist()


def table_rows(
    table: pd.DataFrame, order: Sequence[str], *, start: int = 0, **constant: Any
) -> list[tuple[Any, ...]]:
    """Row tuples for an executemany insert, values in the order of the names in ``order``.

    A name is a key of ``constant`` (the same value on every row), ``idx`` (the row number,
    counting from ``start``) or a column of ``table``. Shape: one tuple per row of ``table``.
    Example: ``table_rows(pd.DataFrame({"t_s": [0.0, np.nan]}), ["run_id", "idx", "t_s"],
    run_id=3)`` -> ``[(3, 0, 0.0), (3, 1, None)]``.
    """
    n = len(table)
    columns = []
    for name in order:
        if name in constant:
            columns.append([constant[name]] * n)
        elif name == "idx":
            columns.append(list(range(start, start + n)))
        else:
            columns.append(column_values(table[name]))
    return list(zip(*columns, strict=True))


def table_from_rows(rows: Iterable[Sequence[Any]], dtypes: dict[str, str]) -> pd.DataFrame:
    """A DataFrame with exactly ``dtypes`` (name -> pandas dtype) from row tuples in that order."""
    rows = list(rows)
    if rows and all(d == "float64" for d in dtypes.values()):
        # numpy reads None as NaN and transposes in C, faster than zip(*rows) on 24k x 33
        matrix = np.array([tuple(r) for r in rows], dtype=np.float64)
        values = matrix.reshape(len(rows), len(dtypes)).T.copy()
        return pd.DataFrame(dict(zip(dtypes, values, strict=True)))
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(dtypes)
    return pd.DataFrame(
        {
            name: _series(values, dtype)
            for (name, dtype), values in zip(dtypes.items(), columns, strict=True)
        }
    )


def _series(values: Sequence[Any], dtype: str) -> pd.Series:
    if dtype == "float64":
        # None -> NaN in one pass, without the object round trip
        return pd.Series(np.array(values, dtype=np.float64), dtype="float64")
    return pd.Series(list(values), dtype=object).astype(dtype)


# ---------------------------------------------------------------------------------------------
def table_layout(table: pd.DataFrame) -> dict[str, Any]:
    """Column names with their dtypes and the index names (None when a plain RangeIndex)."""
    plain = isinstance(table.index, pd.RangeIndex) and table.index.start == 0
    plain = plain and table.index.step == 1 and table.index.name is None
    flat = table if plain else table.reset_index()
    return {
        "dtypes": {str(c): str(t) for c, t in flat.dtypes.items()},
        "index": None if plain else [n for n in table.index.names],
    }


def flat_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a non-default index moved into columns (see table_layout)."""
    return table if table_layout(table)["index"] is None else table.reset_index()


def table_from_layout(rows: list[list[Any]], layout: dict[str, Any]) -> pd.DataFrame:
    """Rebuild a table stored as JSON rows + table_layout."""
    table = table_from_rows(rows, layout["dtypes"])
    if layout["index"] is not None:
        table = table.set_index(layout["index"])
    return table


def table_dicts(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A small table (per-km segments) as JSON-ready row dicts, index moved into columns."""
    flat = flat_table(table)
    names = [str(c) for c in flat.columns]
    values = [column_values(flat[c]) for c in flat.columns]
    return [to_jsonable(dict(zip(names, row, strict=True))) for row in zip(*values, strict=True)]


def table_from_dicts(rows: list[dict[str, Any]], layout: dict[str, Any]) -> pd.DataFrame:
    """Inverse of table_dicts given the table_layout; keys missing from a row read as missing."""
    names = list(layout["dtypes"])
    return table_from_layout([[row.get(n) for n in names] for row in rows], layout)


def table_to_json(table: pd.DataFrame | None) -> dict[str, Any] | None:
    """A small table (laps, per-km segments) as one JSON document: layout + rows."""
    if table is None:
        return None
    flat = flat_table(table)
    rows = [list(row) for row in zip(*(column_values(flat[c]) for c in flat.columns), strict=True)]
    return {**table_layout(table), "rows": to_jsonable(rows)}


def table_from_json(doc: dict[str, Any] | None) -> pd.DataFrame | None:
    """Inverse of table_to_json."""
    if doc is None:
        return None
    return table_from_layout(doc["rows"], doc)


# ---------------------------------------------------------------------------------------------
def finding_row(finding: Finding, rank: int, run_id: int) -> dict[str, Any]:
    """One findings row; ``rank`` 1 is the most likely cause."""
    return {
        "run_id": run_id,
        "rank": rank,
        "code": finding.code,
        "title": finding.title,
        "detail": finding.detail,
        "confidence": float(finding.confidence),
        "severity": float(finding.severity),
        "evidence": to_jsonable([vars(e) for e in finding.evidence]),
        "confirm_with": finding.confirm_with,
        "reference": finding.reference,
    }


def finding_from_row(row: Any) -> Finding:
    return Finding(
        code=row.code,
        title=row.title,
        detail=row.detail,
        confidence=row.confidence,
        severity=row.severity,
        evidence=[Evidence(**e) for e in row.evidence],
        confirm_with=row.confirm_with,
        reference=row.reference,
    )


def plan_from_dict(doc: dict[str, Any]) -> Plan:
    """Inverse of Plan.to_dict()."""

    def items(values: list[dict[str, Any]]) -> list[PlanItem]:
        return [PlanItem(**v) for v in values]

    return Plan(
        baseline_cadence_spm=doc["baseline_cadence_spm"],
        weeks=[PlanWeek(**{**w, "sessions": items(w["sessions"])}) for w in doc["weeks"]],
        strength=items(doc["strength"]),
        cues=items(doc["cues"]),
        gear=items(doc["gear"]),
    )
