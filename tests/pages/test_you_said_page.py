"""A trial manager publishes 'you said, we did' on its page; a refused entry keeps its text and says why."""

from __future__ import annotations

from tests.conftest import REPO
from tests.pages.apptest_db import open_page


def test_manager_publishes_and_a_refused_entry_keeps_its_text(app_env):
    at = open_page(REPO / "pages" / "you_said.py", "manager")
    at.text_area[0].input("The clinic was hard to reach by bus.")
    at.text_area[1].input("Ask S01-0001 about the new shuttle.")   # a participant code: refused
    at.button[0].click().run()
    assert at.error[0].value.startswith("G462")
    assert at.text_area[0].value == "The clinic was hard to reach by bus."
    at.text_area[1].input("A shuttle bus now runs from the station before every morning visit.")
    at.button[0].click().run()
    assert not at.error
    assert at.success[0].value == "Published."
    table = at.dataframe[0].value
    assert table["we did"].tolist()[0] == "A shuttle bus now runs from the station before every morning visit."
    assert bool(table["shown now"].iloc[0]) is True
