"""Each demo role signs in through Chromium and sees exactly its own pages."""

from __future__ import annotations

import pytest

from engagement.permissions import ROLE_ACTIONS
from engagement.ui.shell import PAGES
from tests.browser.conftest import login, nav_titles

pytestmark = pytest.mark.browser


def expected_pages(role: str) -> list[str]:
    return sorted(p.title for p in PAGES if p.action in ROLE_ACTIONS[role])


@pytest.mark.parametrize(("username", "role"), [
    ("advocate", "advocate"), ("sponsor", "sponsor"), ("manager", "trial_manager"),
    ("sitestaff", "trial_manager"), ("admin", "admin"),
])
def test_each_role_sees_only_its_pages(live_app, page, username, role):
    login(page, live_app, username)
    titles = nav_titles(page)
    assert titles == expected_pages(role)
    assert (role in {"advocate", "sponsor"}) == ("Import data" not in titles)
    assert ("Audit trail" in titles) == (role == "admin")


def test_wrong_password_is_refused(live_app, page):
    page.goto(live_app)
    page.get_by_role("textbox", name="User name").fill("admin")
    page.get_by_role("textbox", name="Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Unknown user name or wrong password.").wait_for()
    assert page.get_by_text("Signed in as").count() == 0


def test_login_page_says_demo_mode(live_app, page):
    page.goto(live_app)
    page.get_by_text("Demo mode.").wait_for()
    assert page.get_by_text("users add").count() >= 1
