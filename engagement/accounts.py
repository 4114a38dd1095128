"""Local accounts, memberships and sign-in. Passwords are stored only as argon2 hashes."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.errors import fail
from engagement.models import Membership, Role, Site, Study, User
from engagement.permissions import Action, Grant, Viewer

_hasher = PasswordHasher()
MIN_PASSWORD = 10
DEMO_PASSWORD = "demo"  # noqa: S105 - public by design: only is_demo users, which only `demo --load` creates


@dataclass(frozen=True)
class MembershipSpec:
    study_id: str
    role: str
    site_code: str | None = None


def viewer_for(session: Session, user: User) -> Viewer:
    grants = tuple(Grant(m.study_id, m.role, m.site_id) for m in session.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)))
    return Viewer(username=user.username, grants=grants)


def authenticate(session: Session, username: str, password: str) -> Viewer:
    """The signed-in viewer, or E005 (the same error whether the user or the password is wrong)."""
    user = session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
    if user is None or not user.password_hash:
        _hasher.hash(password)  # spend the same time as a real check, so timing reveals nothing
        raise fail("E005", "unknown user or wrong password")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise fail("E005", "unknown user or wrong password") from None
    return viewer_for(session, user)


def viewer_for_oidc(session: Session, subject: str, email: str | None) -> Viewer:
    """Map an OIDC identity to a local account: by subject, else by e-mail as username (first sign-in)."""
    user = session.scalar(select(User).where(User.oidc_subject == subject, User.is_active.is_(True)))
    if user is None and email:
        user = session.scalar(select(User).where(User.username == email, User.is_active.is_(True)))
        if user is not None and user.oidc_subject is None:
            user.oidc_subject = subject
            audit.record(session, email, "link_oidc", "user", user.id, None, {"oidc_subject": subject})
    if user is None:
        raise fail("E001", f"no account for {email or subject}; ask an admin to run "
                   "`python -m engagement users add`")
    return viewer_for(session, user)


def add_user(session: Session, viewer: Viewer, username: str, password: str | None,
             memberships: list[MembershipSpec], *, display_name: str = "", is_demo: bool = False) -> User:
    for m in memberships:
        viewer.require(Action.manage_study, m.study_id)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise fail("E004", f"user {username!r} exists", item=username)
    if password is not None and not is_demo and len(password) < MIN_PASSWORD:
        raise fail("E003", f"passwords need at least {MIN_PASSWORD} characters", item=username)
    user = User(username=username, display_name=display_name,
                password_hash=_hasher.hash(password) if password else None, is_demo=is_demo)
    session.add(user)
    session.flush()
    audit.record(session, viewer.username, "create", "user", user.id, None,
                 {"username": username, "is_demo": is_demo})
    for m in memberships:
        grant(session, viewer, user, m)
    return user


def grant(session: Session, viewer: Viewer, user: User, spec: MembershipSpec) -> Membership:
    viewer.require(Action.manage_study, spec.study_id)
    if session.get(Study, spec.study_id) is None:
        raise fail("E002", f"no study {spec.study_id!r}", item=spec.study_id)
    if session.get(Role, spec.role) is None:
        raise fail("E003", f"role must be one of advocate, sponsor, trial_manager, admin; got {spec.role!r}",
                   item=spec.role)
    site_id = None
    if spec.site_code:
        site_id = session.scalar(select(Site.id).where(Site.study_id == spec.study_id,
                                                       Site.code == spec.site_code))
        if site_id is None:
            raise fail("E002", f"study {spec.study_id} has no site {spec.site_code!r}", item=spec.site_code)
    m = Membership(user_id=user.id, study_id=spec.study_id, site_id=site_id, role=spec.role)
    session.add(m)
    session.flush()
    audit.record(session, viewer.username, "grant", "membership", m.id, None,
                 {"user": user.username, "study": spec.study_id, "site": spec.site_code, "role": spec.role})
    return m


def demo_mode(session: Session) -> bool:
    """Demo mode is on exactly when the database holds demo accounts (only `demo --load` makes them)."""
    return session.scalar(select(User.id).where(User.is_demo.is_(True)).limit(1)) is not None


def demo_accounts(session: Session) -> list[tuple[str, str]]:
    """(username, what they can see) for the login page's demo banner."""
    users = session.scalars(select(User).where(User.is_demo.is_(True)).order_by(User.id))
    return [(u.username, u.display_name) for u in users]


DEMO_USERS: list[tuple[str, str, str, str | None]] = [
    # username, display name, role, site code (None = study-wide)
    ("advocate", "Demo patient advocate", "advocate", None),
    ("sponsor", "Demo sponsor", "sponsor", None),
    ("manager", "Demo trial manager (all sites)", "trial_manager", None),
    ("sitestaff", "Demo site staff (first site only)", "trial_manager", "first"),
    ("admin", "Demo admin", "admin", None),
]


def create_demo_users(session: Session, viewer: Viewer, study_id: str) -> list[User]:
    first_site = session.scalar(select(Site.code).where(Site.study_id == study_id).order_by(Site.code))
    made = []
    for username, display, role, site in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        spec = MembershipSpec(study_id, role, first_site if site == "first" else None)
        made.append(add_user(session, viewer, username, DEMO_PASSWORD, [spec], display_name=display,
                             is_demo=True))
    return made
