"""AppTest: the shell signs people in, navigates by role, and the home page shows the overview."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

APP = str(REPO / "app.py")


def test_sign_in_page_shows_demo_banner_and_refuses_bad_password(app_env):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert at.title[0].value == "Sign in"
    assert any("Demo mode" in i.value for i in at.info)
    at.text_input[0].input("admin")
    at.text_input[1].input("wrong")
    at.button[0].click().run()
    assert at.error[0].value == "Unknown user name or wrong password."


@pytest.mark.parametrize("username", ["sponsor", "manager", "sitestaff"])
def test_home_page_for_each_role(app_env, username):
    at = AppTest.from_file(str(REPO / "pages" / "home.py"), default_timeout=60)
    at.session_state["auth_username"] = username
    at.run()
    assert not at.exception
    assert at.title[0].value not in ("", "Sign in")
    captions = " ".join(c.value for c in at.caption)
    assert "DEMO-ONC-01" in captions
    if username == "sitestaff":
        assert "your 1 site(s) only" in captions
    frames = [df.value for df in at.dataframe]
    text = " ".join(str(f.to_string()) for f in frames)
    if username == "sponsor":
        assert "Groups of fewer than 5 people are hidden" in captions
    assert "S01-" not in text  # participant codes never appear on the overview


def test_signed_out_page_stops(app_env):
    at = AppTest.from_file(str(REPO / "pages" / "home.py"), default_timeout=30).run()
    assert at.warning[0].value == "Please sign in first."
