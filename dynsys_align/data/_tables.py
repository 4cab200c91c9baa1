"""CSV reading with errors that point at the file, line and column.

Private helpers of :mod:`dynsys_align.data`. Every cell is read as text and
converted column by column, so a bad cell is reported as
``"<file>, line <n>, column '<name>': <rule>"``. Line numbers count the header as
line 1 and assume one line per record (no quoted newlines).

This module may import numpy, pandas and :mod:`dynsys_align.exceptions`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataFormatError

__all__ = [
    "check_columns",
    "fail",
    "integer_column",
    "read_text_table",
    "text_column",
]


def fail(source, row: int | None, column: str | None, rule: str):
    """Raise :class:`DataFormatError` for data row ``row`` (0-based) of ``source``.

    A :class:`~pathlib.Path` source is reported with its file line number
    (``row + 2``); any other source (a description of an in-memory table) with
    the row position.
    """
    where = str(source)
    if row is not None:
        where += f", line {row + 2}" if isinstance(source, Path) else f", row {row}"
    if column is not None:
        where += f", column {column!r}"
    raise DataFormatError(f"{where}: {rule}")


def read_text_table(path, required) -> pd.DataFrame:
    """Read a CSV file as text cells and check that ``required`` columns exist."""
    path = Path(path)
    return check_columns(_read(path), required, path)


def check_columns(df: pd.DataFrame, required, source) -> pd.DataFrame:
    """Check that ``df`` has the ``required`` columns and at least one row."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataFormatError(
            f"{source}: missing column(s) {missing}; found {list(df.columns)}"
        )
    if len(df) == 0:
        raise DataFormatError(f"{source}: the table has no data rows")
    return df


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError,
            UnicodeDecodeError) as exc:
        raise DataFormatError(f"{path}: not a readable CSV table ({exc})") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df


def integer_column(df: pd.DataFrame, column: str, path, *, allowed=None,
                   low=None, high=None) -> np.ndarray:
    """Convert a text column to int64, checking type and range row by row."""
    text = df[column].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        r = int(np.argmax(bad))
        fail(path, r, column, f"expected an integer, got {text.iloc[r]!r}")
    out = values.astype(np.int64)
    if allowed is not None:
        bad = ~np.isin(out, list(allowed))
        if bad.any():
            r = int(np.argmax(bad))
            fail(path, r, column,
                 f"value {out[r]} is not one of {sorted(allowed)}")
    if low is not None or high is not None:
        lo = -np.inf if low is None else low
        hi = np.inf if high is None else high
        bad = (out < lo) | (out > hi)
        if bad.any():
            r = int(np.argmax(bad))
            fail(path, r, column, f"value {out[r]} is outside [{lo}, {hi}]")
    return out


def text_column(df: pd.DataFrame, column: str, path) -> np.ndarray:
    """A text column as an object array of stripped, non-empty strings."""
    text = df[column].astype(str).str.strip().to_numpy(dtype=object)
    empty = text == ""
    if empty.any():
        fail(path, int(np.argmax(empty)), column, "empty cell")
    return text
