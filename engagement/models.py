"""Typed SQLAlchemy 2.x models: the nouns of DESIGN.md.

Natural identifiers from the outside world (study_id, site_id, participant codes, item ids) are kept as
`code` columns unique within their study; joins use integer surrogate keys so bulk writes stay narrow.
Analytical tables hold pseudonymous participant codes only; contact details live in participant_contacts,
which only admin services read.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from engagement.types import JSONText, UTCDateTime, code, created_now, intpk, name

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ParticipantRole(enum.StrEnum):
    patient = "patient"
    caregiver = "caregiver"
    advocate = "advocate"
    site_staff = "site_staff"
    other = "other"


class ParticipantStatus(enum.StrEnum):
    active = "active"
    withdrawn = "withdrawn"
    lost_to_follow_up = "lost_to_follow_up"
    completed = "completed"


class UserRole(enum.StrEnum):
    advocate = "advocate"
    sponsor = "sponsor"
    trial_manager = "trial_manager"
    admin = "admin"


class Channel(enum.StrEnum):
    form = "form"
    redcap = "import:redcap"
    qualtrics = "import:qualtrics"
    fhir = "import:fhir"
    native = "import:native"
    table = "import:table"
    api = "api"


def _values(e: type[enum.Enum]) -> str:
    return ", ".join(f"'{m.value}'" for m in e)


# ----------------------------------------------------------------------------------------- studies


class Study(Base):
    __tablename__ = "studies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    sponsor: Mapped[str] = mapped_column(String(200), default="")
    registry_id: Mapped[str] = mapped_column(String(200), default="")
    current_stage: Mapped[str | None] = mapped_column(String(64))
    sponsor_contact: Mapped[str] = mapped_column(String(500), default="")
    # Anonymous public link: only the hash of the token is stored; null means the study has none.
    public_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_now]

    sites: Mapped[list[Site]] = relationship(back_populates="study", order_by="Site.code")
    stages: Mapped[list[LifecycleStage]] = relationship(back_populates="study",
                                                        order_by="LifecycleStage.order")


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("study_id", "code"),)

    id: Mapped[intpk]
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    code: Mapped[code]
    name: Mapped[name]
    country: Mapped[str] = mapped_column(String(2))

    study: Mapped[Study] = relationship(back_populates="sites")


class LifecycleStage(Base):
    __tablename__ = "lifecycle_stages"
    __table_args__ = (UniqueConstraint("study_id", "name"), UniqueConstraint("study_id", "order"))

    id: Mapped[intpk]
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    name: Mapped[code]
    order: Mapped[int] = mapped_column(Integer)
    planned_start: Mapped[dt.date | None] = mapped_column(Date)
    planned_end: Mapped[dt.date | None] = mapped_column(Date)
    actual_start: Mapped[dt.date | None] = mapped_column(Date)
    actual_end: Mapped[dt.date | None] = mapped_column(Date)

    study: Mapped[Study] = relationship(back_populates="stages")


class Timepoint(Base):
    __tablename__ = "timepoints"
    __table_args__ = (UniqueConstraint("study_id", "code"),
                      CheckConstraint("window_days >= 0", name="window_nonnegative"))

    id: Mapped[intpk]
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    code: Mapped[code]
    stage_id: Mapped[int] = mapped_column(ForeignKey("lifecycle_stages.id"))
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instruments.id"))
    due_day: Mapped[int] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer)

    stage: Mapped[LifecycleStage] = relationship()


# ------------------------------------------------------------------------------------ participants


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("study_id", "code"),
        CheckConstraint(f"role IN ({_values(ParticipantRole)})", name="role_known"),
        CheckConstraint(f"status IN ({_values(ParticipantStatus)})", name="status_known"),
    )

    id: Mapped[intpk]
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    code: Mapped[code]  # pseudonymous; never a name
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    enrolled_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ParticipantStatus.active.value)
    status_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(10))
    age_band: Mapped[str | None] = mapped_column(String(10))

    site: Mapped[Site] = relationship()


class ParticipantStatusHistory(Base):
    __tablename__ = "participant_status_history"
    __table_args__ = (UniqueConstraint("participant_id", "effective_on", "status"),)

    id: Mapped[intpk]
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[created_now]


class ParticipantContact(Base):
    """Identifying contact details, kept apart from analytical tables; admin services only."""

    __tablename__ = "participant_contacts"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    preferred_language: Mapped[str | None] = mapped_column(String(10))


# ------------------------------------------------------------------------------------- instruments


class Instrument(Base):
    __tablename__ = "instruments"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[created_now]

    versions: Mapped[list[InstrumentVersion]] = relationship(back_populates="instrument",
                                                             order_by="InstrumentVersion.id")


class InstrumentVersion(Base):
    """Immutable content plus its hash: a new row is made only when the content changes."""

    __tablename__ = "instrument_versions"
    __table_args__ = (UniqueConstraint("instrument_id", "version"),
                      UniqueConstraint("instrument_id", "content_hash"))

    id: Mapped[intpk]
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instruments.id"))
    version: Mapped[str] = mapped_column(String(40))
    content: Mapped[Any] = mapped_column(JSONText())
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_now]

    instrument: Mapped[Instrument] = relationship(back_populates="versions")


# ------------------------------------------------------------------------------------- submissions


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_submissions_study_participant", "study_id", "participant_id"),
    )

    id: Mapped[intpk]
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    external_id: Mapped[str] = mapped_column(String(200))  # submission_id in bundles and exports
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    timepoint_id: Mapped[int | None] = mapped_column(ForeignKey("timepoints.id"))
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(30))
    # Unique: the same form posted twice, or the same import run twice, lands once.
    idempotency_key: Mapped[str] = mapped_column(String(200))
    raw_payload: Mapped[Any | None] = mapped_column(JSONText())
    created_at: Mapped[created_now]


class Answer(Base):
    """Keyed by (submission, item), the way answers are written and read; on SQLite the table is that key's
    B-tree (WITHOUT ROWID): one write per answer on import, and rows come back in submission order."""

    __tablename__ = "answers"
    __table_args__ = ({"sqlite_with_rowid": False},)

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"),
                                               primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    value_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (UniqueConstraint("submission_id", "item_id"),)

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(100))
    text_raw: Mapped[str] = mapped_column(Text)  # the author's own site team only
    text_scrubbed: Mapped[str] = mapped_column(Text)
    may_quote: Mapped[bool] = mapped_column(Boolean, default=False)
    theme: Mapped[str | None] = mapped_column(String(200))  # engagement/theme_store.py
    sentiment: Mapped[float | None] = mapped_column(Float)


class ThemeModelRow(Base):
    """The theme model a study's comments are labelled with (Comment.theme), kept by the writers of
    comments (engagement/theme_store.py). model is None when there was too little text to learn from."""

    __tablename__ = "theme_models"

    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True)
    n_comments: Mapped[int] = mapped_column(Integer)  # the study's comments when it was fitted
    model: Mapped[dict[str, Any] | None] = mapped_column(JSONText())  # themes.ThemeModel.as_json()
    fitted_at: Mapped[created_now]


class Score(Base):
    """Derived per submission and subscale; rebuilt from answers on demand."""

    __tablename__ = "scores"
    # keyed and clustered like answers (see Answer): a scan by submission reads every column in key order
    __table_args__ = ({"sqlite_with_rowid": False},)

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"),
                                               primary_key=True)
    subscale_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(20))
    value: Mapped[float | None] = mapped_column(Float)
    n_answered: Mapped[int] = mapped_column(Integer)
    n_items: Mapped[int] = mapped_column(Integer)
    missing_reason: Mapped[str | None] = mapped_column(String(200))



class SubmissionIndicators(Base):
    """Derived per submission from its Score rows (engagement/score_summary.py), in the same transaction:
    the mean subscale score per indicator and the items answered. The dashboard reads one row per
    submission here instead of grouping every score row on each cold view."""

    __tablename__ = "submission_indicators"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"),
                                               primary_key=True, autoincrement=False)
    burden: Mapped[float | None] = mapped_column(Float)
    trust: Mapped[float | None] = mapped_column(Float)
    engagement: Mapped[float | None] = mapped_column(Float)
    experience: Mapped[float | None] = mapped_column(Float)
    other: Mapped[float | None] = mapped_column(Float)
    n_answered: Mapped[int] = mapped_column(Integer)
    n_items: Mapped[int] = mapped_column(Integer)

# ------------------------------------------------------------------------------- users and access


class User(Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(300))  # None: sign-in through OIDC only
    oidc_subject: Mapped[str | None] = mapped_column(String(300), unique=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_now]

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Role(Base):
    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    description: Mapped[str] = mapped_column(String(300), default="")


class Membership(Base):
    """User x study x optional site x role. A null site means study-wide."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "study_id", "site_id", "role"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    role: Mapped[str] = mapped_column(ForeignKey("roles.name"))

    user: Mapped[User] = relationship(back_populates="memberships")


# ------------------------------------------------------------------------------------------- audit


class AuditEvent(Base):
    """Append-only; each row's hash covers its content and the previous row's hash."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(200))
    old_value: Mapped[Any | None] = mapped_column(JSONText())
    new_value: Mapped[Any | None] = mapped_column(JSONText())
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)


# ------------------------------------------------------------------- ingestion, follow-up, summaries


class Invitation(Base):
    """A personal form link. Only the SHA-256 of the token is stored."""

    __tablename__ = "invitations"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    timepoint_id: Mapped[int] = mapped_column(ForeignKey("timepoints.id"))
    language: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[created_now]
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ImportMapping(Base):
    """A saved mapping from a third-party export to this study's items, events and participants."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("study_id", "format", "name"),)

    id: Mapped[intpk]
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    format: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    content: Mapped[Any] = mapped_column(JSONText())
    updated_at: Mapped[created_now]


class FeedbackResponse(Base):
    """What the team did with earlier feedback ("you said, we did"), shown after submitting."""

    __tablename__ = "feedback_responses"

    id: Mapped[intpk]
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    published_on: Mapped[dt.date] = mapped_column(Date)
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text)


class OutreachAction(Base):
    __tablename__ = "outreach_actions"

    id: Mapped[intpk]
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    action: Mapped[str] = mapped_column(String(50))
    outcome: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[created_now]


class RiskModel(Base):
    """A trained disengagement model, stored in skops format with its model card."""

    __tablename__ = "risk_models"

    id: Mapped[intpk]
    study_id: Mapped[str | None] = mapped_column(ForeignKey("studies.id"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    card: Mapped[Any] = mapped_column(JSONText())
    blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[created_now]


class LaySummary(Base):
    """One version of a study's plain-language summary; approved versions never change."""

    __tablename__ = "lay_summaries"
    __table_args__ = (
        UniqueConstraint("study_id", "version_no"),
        CheckConstraint("status IN ('draft', 'in_review', 'approved')", name="status_known"),
    )

    id: Mapped[intpk]
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    version_no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    language: Mapped[str] = mapped_column(String(10), default="en")
    content: Mapped[Any] = mapped_column(JSONText())
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[created_now]
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    gate_override_reason: Mapped[str | None] = mapped_column(Text)
