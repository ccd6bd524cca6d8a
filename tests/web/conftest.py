"""Headless Chromium for browser tests: the Debian package, driven by Playwright (no browser download)."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TEST_OUTPUT = Path(__file__).resolve().parents[2] / "var" / "test-output"


@pytest.fixture(scope="session")
def playwright() -> Iterator:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium chromium-driver` (.ci/run does it)")
    # Playwright's sync API runs an event loop in this thread; Django must still allow its ORM here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


def launch(playwright, *extra_args: str):
    """The system Chromium, headless, never fetching anything on its own; ``extra_args`` for special tests."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator:
    chromium = launch(playwright)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def test_output() -> Path:
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    return TEST_OUTPUT
