"""Registered instrument versions: immutable content plus its hash, one row per distinct content.

Registering the same content again returns the stored row (no new row, no audit event). Different
content under a version label already stored is refused: versions never change after registration.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.errors import EngagementError, fail
from engagement.instruments.evolution import check_evolution
from engagement.instruments.loading import builtin_paths, from_content, load
from engagement.instruments.model import Instrument
from engagement.models import Instrument as InstrumentRow
from engagement.models import InstrumentVersion
from engagement.permissions import Viewer

_CACHE: OrderedDict[str, Instrument] = OrderedDict()
_CACHE_SIZE = 256
_CACHE_LOCK = threading.Lock()


def require_instrument_admin(viewer: Viewer) -> None:
    """Instruments are shared by every study, so managing them needs admin rights somewhere (or the CLI)."""
    if viewer.system or "admin" in viewer.roles():
        return
    raise fail("E001", f"{viewer.username} may not manage instruments; it needs an admin membership",
               item="instruments")


def from_row(row: InstrumentVersion) -> Instrument:
    """The Instrument a stored version holds; cached by content hash (content never changes)."""
    with _CACHE_LOCK:  # Streamlit serves sessions from several threads
        cached = _CACHE.get(row.content_hash)
        if cached is not None:
            _CACHE.move_to_end(row.content_hash)
            return cached
    instrument = from_content(row.content, origin=f"instrument_versions.id={row.id}")
    with _CACHE_LOCK:
        _CACHE[row.content_hash] = instrument
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return instrument


def _versions(session: Session, instrument_id: str) -> list[InstrumentVersion]:
    return list(session.scalars(select(InstrumentVersion)
                                .where(InstrumentVersion.instrument_id == instrument_id)
                                .order_by(InstrumentVersion.id)))


def register(session: Session, viewer: Viewer, instrument: Instrument) -> InstrumentVersion:
    require_instrument_admin(viewer)
    rows = _versions(session, instrument.id)
    for row in rows:
        if row.content_hash == instrument.content_hash:
            return row
    for row in rows:
        if row.version == instrument.version:
            raise fail("I315", f"{instrument.id} {instrument.version} is registered with other content "
                       f"(hash {row.content_hash[:12]}…, new {instrument.content_hash[:12]}…)",
                       item=instrument.id, value=instrument.version)
    problems = check_evolution([from_row(r) for r in rows], instrument)
    if problems:
        raise EngagementError(problems)
    parent = session.get(InstrumentRow, instrument.id)
    if parent is None:
        session.add(InstrumentRow(id=instrument.id, title=instrument.title))
    elif parent.title != instrument.title:
        parent.title = instrument.title  # the newest version names the instrument in lists
    row = InstrumentVersion(instrument_id=instrument.id, version=instrument.version,
                            content=instrument.to_content(), content_hash=instrument.content_hash)
    session.add(row)
    session.flush()
    audit.record(session, viewer.username, "register", "instrument_version",
                 f"{instrument.id}@{instrument.version}", None,
                 {"instrument_id": instrument.id, "version": instrument.version, "title": instrument.title,
                  "content_hash": instrument.content_hash, "row_id": row.id})
    return row


def register_builtin(session: Session, viewer: Viewer) -> list[InstrumentVersion]:
    return [register(session, viewer, load(p)) for p in builtin_paths()]


def get_version(session: Session, instrument_id: str, version: str) -> tuple[InstrumentVersion, Instrument]:
    row = session.scalar(select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument_id,
                                                         InstrumentVersion.version == version))
    if row is None:
        known = ", ".join(r.version for r in _versions(session, instrument_id)) or "none"
        raise fail("B115", f"instrument {instrument_id!r} has no version {version!r} (registered: {known})",
                   item=instrument_id, value=version)
    return row, from_row(row)


def latest(session: Session, instrument_id: str) -> tuple[InstrumentVersion, Instrument]:
    """The most recently registered version (registration order, not version-label order)."""
    rows = _versions(session, instrument_id)
    if not rows:
        raise fail("B115", f"instrument {instrument_id!r} is not registered", item=instrument_id)
    return rows[-1], from_row(rows[-1])


def by_id(session: Session, version_row_id: int) -> tuple[InstrumentVersion, Instrument]:
    row = session.get(InstrumentVersion, version_row_id)
    if row is None:
        raise fail("B115", f"no instrument version with row id {version_row_id}", item=str(version_row_id))
    return row, from_row(row)

