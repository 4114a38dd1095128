"""Reusable column types and annotated shorthands for the typed models."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from sqlalchemy import DateTime, Integer, String, Text, func
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC in Python on every backend.

    SQLite has no time zone type, so values are stored as naive UTC and given tzinfo back on load;
    naive values handed in are refused, because guessing a zone is how audit times go wrong.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(DateTime(timezone=dialect.name == "postgresql"))

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        value = value.astimezone(dt.UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class JSONText(TypeDecorator[Any]):
    """JSON stored as canonical text (sorted keys), identical on SQLite and PostgreSQL.

    Text rather than JSONB so the bytes hashed for content and audit are exactly the bytes stored.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else canonical_json(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


intpk = Annotated[int, mapped_column(Integer, primary_key=True, autoincrement=True)]
code = Annotated[str, mapped_column(String(64))]
name = Annotated[str, mapped_column(String(200))]
created_now = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow,
                                                   server_default=func.current_timestamp())]
