"""A live app on a demo database, and Chromium driven by Playwright.

Browser tests skip when Playwright or /usr/bin/chromium is missing, and fail instead when
REQUIRE_BROWSER=1 (CI sets it). `playwright install` cannot download browsers here: we launch
Debian's Chromium.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, require_or_skip

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DEMO_PARTICIPANTS = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310 - localhost
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("streamlit did not become healthy in time")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'demo.db'}"
    subprocess.run([sys.executable, "-m", "engagement", "demo", "--load", "--participants",
                    str(DEMO_PARTICIPANTS), "--db", url], cwd=REPO, check=True, capture_output=True)
    return url


@pytest.fixture(scope="session")
def live_app(demo_db: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "ENGAGEMENT_DATABASE_URL": demo_db}
    log = Path(demo_db.removeprefix("sqlite:///")).with_suffix(".log")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_or_skip("REQUIRE_BROWSER", "playwright is not installed")
    if not Path(CHROMIUM).exists():
        require_or_skip("REQUIRE_BROWSER", f"{CHROMIUM} is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, tmp_path):  # type: ignore[no-untyped-def]
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def login(page, base_url: str, username: str, password: str = "demo") -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url)
    page.get_by_role("textbox", name="User name").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text(f"Signed in as {username}").wait_for()


def nav_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    links = page.locator('[data-testid="stSidebarNav"] a')
    links.first.wait_for()
    # each link is "<icon ligature>\n\n<title>": the title is the last line
    return sorted(t.strip().splitlines()[-1].strip() for t in links.all_inner_texts())
