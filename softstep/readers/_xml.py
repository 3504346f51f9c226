"""Safe, streaming XML for the TCX and GPX readers.

``defusedxml`` refuses entity declarations (billion laughs) and external references; the
document is walked with ``iterparse`` so elements can be cleared as soon as they are read.

>>> [local_name(e.tag) for _, e in iterparse_safely(b"<a><b/></a>") if _ == "end"]
['b', 'a']
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

def local_name(tag: str) -> str:
    """Tag without its namespace: ``{http://...}Trackpoint`` -> ``Trackpoint``."""
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag.rpartition(":")[2]


def iterparse_safely(data: bytes) -> Iterator[tuple[str, Element]]:
    """(event, element) pairs, events "start" and "end"; leading BOM and blanks are skipped.

    Raises xml.etree.ElementTree.ParseError where the document breaks, and defusedxml's
    DefusedXmlException for entity or external declarations.
    """
    start = 3 if data[:3] == b"\xef\xbb\xbf" else 0
    while start < len(data) and data[start] in b" \t\r\n":
        start += 1
    return iterparse(io.BytesIO(data[start:] if start else data), events=("start", "end"))


def xml_problem(exc: Exception) -> str:
    """One line saying where and why the XML could not be read further."""
    if isinstance(exc, DefusedXmlException):
        return f"refused unsafe XML ({type(exc).__name__}: entity or external declarations)"
    if isinstance(exc, ParseError):
        line, column = getattr(exc, "position", (None, None))
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(exc))
        where = f" at line {line}, column {column}" if line is not None else ""
        return f"XML breaks{where} ({reason})"
    return f"XML reading stopped ({type(exc).__name__}: {exc})"


def numbers(values: list[str | None]) -> np.ndarray:
    """float64 array from text values; None or unparsable text -> NaN.

    >>> numbers(["1.5", None, "x"]).tolist()
    [1.5, nan, nan]
    """
    if not values:
        return np.zeros(0)
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(np.float64)


def iso_times_s(values: list[str | None]) -> np.ndarray:
    """Unix seconds (float64) from ISO 8601 texts ("2018-11-25T07:20:49.000Z"); bad -> NaN.

    Times without a zone are taken as UTC (TCX and GPX both specify UTC).

    >>> iso_times_s(["1970-01-01T00:01:00Z", None]).tolist()
    [60.0, nan]
    """
    if not values:
        return np.zeros(0)
    stamps = pd.to_datetime(
        pd.Series(values, dtype=object).str.strip(), utc=True, format="ISO8601", errors="coerce"
    )
    ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
    ns[stamps.isna().to_numpy()] = np.nan
    return ns / 1e9
