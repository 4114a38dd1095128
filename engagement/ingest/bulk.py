"""Fast multi-row inserts inside the caller's transaction: driver executemany on SQLite, COPY on PostgreSQL.

Rows are plain tuples (ints, floats, strs, bools, None) in the order of `columns`; no per-row dicts.
Date-times are handed over as text in each backend's own storage format (see `datetime_texts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    conn = session.connection()
    dialect = conn.dialect.name
    names = ", ".join(columns)
    raw = conn.connection.driver_connection
    if dialect == "sqlite":
        # The driver's own executemany over a generator: no SQLAlchemy per-row parameter processing
        # and no list of a million tuples; it runs in the transaction SQLAlchemy began.
        cur = raw.cursor()
        try:
            cur.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})",
                            rows)
        finally:
            cur.close()
    elif dialect == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:  # pragma: no cover - other dialects fall back to SQLAlchemy's executemany
        session.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Rows as dicts (all with the same keys); kept for callers with few rows."""
    if rows:
        columns = list(rows[0].keys())
        insert_rows(session, table, columns, (tuple(r[c] for c in columns) for r in rows))


def datetime_texts(session: Session, utc: np.ndarray) -> list[str]:
    """UTC datetime64 values as the text each backend stores: SQLAlchemy's SQLite DATETIME format (naive
    UTC, what UTCDateTime writes there) or a PostgreSQL timestamptz literal."""
    text = np.char.replace(np.datetime_as_string(utc.astype("datetime64[us]"), unit="us").astype(str), "T", " ")
    if session.get_bind().dialect.name == "postgresql":
        text = np.char.add(text, "+00")
    return text.tolist()


def none_for_nan(values: np.ndarray) -> list[float | None]:
    """Floats for the driver, None (NULL) where NaN."""
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out.tolist()
