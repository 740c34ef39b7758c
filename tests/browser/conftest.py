"""Browser fixtures: the app under gunicorn on a free loopback port, driven by Debian's
Chromium through Playwright (executable_path; Playwright never downloads a browser here)."""

from __future__ import annotations

import email
import os
import re
import shutil
import time
from email.policy import default as default_policy
from pathlib import Path

import pytest

from bench.common import stop_gunicorn
from tests.conftest import _TMP
from tests.live_server import server_env, start_gunicorn

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL of gunicorn serving the app on the same database as the tests."""
    process, url = start_gunicorn(server_env())
    yield url
    stop_gunicorn(process)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("No Chromium found (set CHROMIUM_PATH or install Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def audit_page(browser):
    """A tab for pages that axe audits (tests/browser/test_accessibility.py: audit)."""
    # axe is injected as a script tag, which the site's CSP would rightly block.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def sign_in(page, base: str, email: str, lands: str = "**") -> None:
    """Sign in through the login form as a person would; wait until the page after it."""
    from tests.factories import PASSWORD

    page.goto(base + "/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lands)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def confirmation_path(address: str, timeout: float = 10.0) -> str:
    """The confirmation link's path from the email the live server wrote to its mail folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted((_TMP / "mail").glob("*.eml"), reverse=True):
            message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
            if message["To"] == address:
                body = message.get_body(("plain",)).get_content()
                return re.search(r"https?://[^/\s]+(/account/confirm/\S+)", body).group(1)
        time.sleep(0.1)
    raise AssertionError(f"no confirmation email to {address}")
