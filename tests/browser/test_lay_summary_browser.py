"""In Chromium: a trial manager edits the demo summary, fixes a flagged sentence, sends it for review;
an admin approves it; the manager downloads the DOCX and the PDF."""

from __future__ import annotations

import io

import docx
import pypdf
import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

RESULTS = "What were the results?"
LONG = ("People who took the new tablet and came to every visit at the clinic during the whole year "
        "of the study said that the visits were long but that the nurses were kind to them.")
FIXED = "People who took the new tablet said the visits were long. They said the nurses were kind."


def open_page(page, base_url: str, user: str) -> None:  # type: ignore[no-untyped-def]
    login(page, base_url, user)
    page.get_by_role("link", name="Lay summary").click()
    page.get_by_role("heading", name="Lay summary").wait_for()


def set_results(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("textbox", name=RESULTS, exact=True).fill(text)
    page.get_by_role("button", name="Save changes").click()


def test_manager_fixes_sends_admin_approves_manager_downloads(live_app, page, browser):  # type: ignore[no-untyped-def]
    open_page(page, live_app, "manager")
    box = page.get_by_role("textbox", name=RESULTS, exact=True)
    original = box.input_value()
    set_results(page, f"{original}\n\n{LONG}")
    page.get_by_text("Suggestion:").first.wait_for()
    page.get_by_text("Split this sentence").first.wait_for()
    page.get_by_text("Version 2: Draft").wait_for()  # the approved demo version stays as it was
    set_results(page, f"{original}\n\n{FIXED}")
    page.get_by_text("Split this sentence").wait_for(state="detached")
    page.get_by_role("button", name="Send for review").click()
    page.get_by_text("Version 2: In review").wait_for()

    admin_context = browser.new_context()
    admin_page = admin_context.new_page()
    admin_page.set_default_timeout(30_000)
    open_page(admin_page, live_app, "admin")
    admin_page.get_by_role("button", name="Approve").click()
    admin_page.get_by_text("Version 2: Approved").wait_for()
    admin_context.close()

    open_page(page, live_app, "manager")  # a reload starts a new Streamlit session: sign in again
    page.get_by_text("Approved version 2.").wait_for()
    with page.expect_download() as got:
        page.get_by_role("button", name="Download DOCX").click()
    document = docx.Document(io.BytesIO(got.value.path().read_bytes()))
    assert any(FIXED in p.text for p in document.paragraphs)
    with page.expect_download() as got:
        page.get_by_role("button", name="Download PDF").click()
    pdf = pypdf.PdfReader(io.BytesIO(got.value.path().read_bytes()))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "the nurses were kind" in text
    assert "Version 2" in text
