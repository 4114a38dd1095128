"""Create or migrate a database to the current schema, then seed what every database needs."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, select

from engagement import audit
from engagement.db import write_session
from engagement.models import Role
from engagement.permissions import Viewer

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

ROLE_DESCRIPTIONS = {
    "advocate": "patient advocate on the study's panel: aggregated, suppressed views",
    "sponsor": "sponsor staff: aggregated, suppressed views only",
    "trial_manager": "study or site staff: imports, invitations, follow-up, lay summaries",
    "admin": "sets up studies, sites, stages, schedules, instruments and users",
}


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, *, register_instruments: bool = True) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    seed(engine, register_instruments=register_instruments)


def seed(engine: Engine, *, register_instruments: bool = True) -> None:
    system = Viewer.system_actor("migrate")
    with write_session(engine) as session:
        existing = set(session.scalars(select(Role.name)))
        for name, description in ROLE_DESCRIPTIONS.items():
            if name not in existing:
                session.add(Role(name=name, description=description))
                audit.record(session, system.username, "create", "role", name, None,
                             {"description": description})
        if register_instruments:
            from engagement.instruments.registry import register_builtin

            register_builtin(session, system)
        from engagement.theme_store import label_unlabelled

        label_unlabelled(session, system)  # comments stored before themes were kept with them


def require_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is missing or behind (E007), instead of failing later."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from engagement.errors import fail

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current != head:
        raise fail("E007", f"the database is at {current or 'no schema'}, the code expects {head}")


def is_empty(engine: Engine) -> bool:
    """True when the database holds no study (the cue for `make run` to load the demo)."""
    if "studies" not in inspect(engine).get_table_names():
        return True
    from engagement.models import Study

    with engine.connect() as conn:
        return conn.execute(select(Study.id).limit(1)).first() is None
