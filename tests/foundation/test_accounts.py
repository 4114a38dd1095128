"""Accounts, sign-in and permissions checked in services."""

from __future__ import annotations

import pytest

from engagement.accounts import (
    MembershipSpec,
    add_user,
    authenticate,
    create_demo_users,
    demo_mode,
    viewer_for,
)
from engagement.bundle.importer import import_bundle
from engagement.errors import EngagementError
from engagement.models import User
from engagement.permissions import Action, Grant, Viewer
from tests.bundle_factory import STUDY, write_bundle


@pytest.fixture
def study(session, system, tmp_path):
    import_bundle(session, system, write_bundle(tmp_path / "b"))
    return STUDY


def test_password_is_hashed_and_checked(session, system, study):
    user = add_user(session, system, "maria", "correct horse battery", [MembershipSpec(study, "sponsor")])
    assert user.password_hash.startswith("$argon2")
    assert "correct horse" not in user.password_hash
    viewer = authenticate(session, "maria", "correct horse battery")
    assert viewer.roles(study) == {"sponsor"}
    for name, pw in (("maria", "wrong password!"), ("nobody", "correct horse battery")):
        with pytest.raises(EngagementError) as exc:
            authenticate(session, name, pw)
        assert exc.value.code == "E005"


def test_short_password_refused_for_real_accounts(session, system, study):
    with pytest.raises(EngagementError) as exc:
        add_user(session, system, "short", "abc", [MembershipSpec(study, "sponsor")])
    assert exc.value.code == "E003"


def test_unknown_site_and_role_refused(session, system, study):
    with pytest.raises(EngagementError) as exc:
        add_user(session, system, "x1", "long enough pw", [MembershipSpec(study, "trial_manager", "MARS")])
    assert exc.value.code == "E002"
    with pytest.raises(EngagementError) as exc:
        add_user(session, system, "x2", "long enough pw", [MembershipSpec(study, "overlord")])
    assert exc.value.code == "E003"


def test_only_admins_create_accounts(session, system, study):
    manager = viewer_for(session, add_user(session, system, "tm", "long enough pw",
                                           [MembershipSpec(study, "trial_manager")]))
    with pytest.raises(EngagementError) as exc:
        add_user(session, manager, "y", "long enough pw", [MembershipSpec(study, "admin")])
    assert exc.value.code == "E001"


def test_demo_mode_only_with_demo_accounts(session, system, study):
    assert not demo_mode(session)
    made = create_demo_users(session, system, study)
    assert [u.username for u in made] == ["advocate", "sponsor", "manager", "sitestaff", "admin"]
    assert all(u.is_demo for u in made)
    assert demo_mode(session)
    staff = viewer_for(session, session.query(User).filter_by(username="sitestaff").one())
    assert len(staff.grants) == 1
    assert staff.grants[0].site_id is not None
    assert authenticate(session, "admin", "demo").roles(study) == {"admin"}


def test_viewer_permissions_are_scoped():
    v = Viewer("s", (Grant("A", "trial_manager", site_id=1), Grant("B", "sponsor")))
    assert v.can(Action.view_participants, "A", 1)
    assert not v.can(Action.view_participants, "A", 2)
    assert v.site_scope(Action.view_participants, "A") == {1}
    assert not v.can(Action.view_participants, "B")
    assert v.can(Action.view_aggregates, "B")
    assert v.aggregate_only("B")
    assert not v.aggregate_only("A")
    assert not v.can(Action.manage_study, "A")
    with pytest.raises(EngagementError) as exc:
        v.require(Action.approve_lay_summary, "A")
    assert exc.value.code == "E001"
    assert Viewer.system_actor().can(Action.manage_study, "anything")
