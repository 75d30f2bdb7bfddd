"""Driving the web app in Debian's Chromium, for the browser tests.

Chromium comes from apt (`.ci/run` installs it); Playwright's own browser download does not work here.
Every wait is on a condition (an element, a text, an event), never on time.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SLOW = 180_000  # ms: an upload is embedded on a shared CPU


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def chromium() -> Iterator:
    assert CHROMIUM.exists(), f"the browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def app_page(browser, url: str) -> Iterator:
    """A fresh page on the app at `url`, once it shows the corpus; on leaving, checks that the page loaded
    nothing from another host and had no script error."""
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    hosts, errors = set(), []
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    expect(page.locator("#aa-corpus-summary")).to_contain_text("document", timeout=30_000)
    yield page
    assert hosts <= {urlparse(url).netloc}, f"the page loads nothing from elsewhere: {hosts}"
    assert not errors, f"no script errors: {errors}"
    context.close()


def ask(page, question: str):
    """Ask in the Ask tab; return the new answer's element."""
    answers = page.locator("#aa-chat .aa-answer")
    count = answers.count()
    page.get_by_role("tab", name="Ask").click()
    page.get_by_placeholder("e.g. Can a state return migrants").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(answers).to_have_count(count + 1, timeout=60_000)
    return answers.last


def add_from_the_web(page, url: str):
    """Add a web address in the Corpus tab (of a page that has not added one yet); return its result line."""
    page.get_by_role("tab", name="Corpus").click()
    page.get_by_label("Or add a document from its web address").fill(url)
    page.get_by_role("button", name="Add from the web").click()
    result = page.locator("#aa-web-results .aa-results li")
    expect(result).to_have_count(1, timeout=SLOW)
    return result
