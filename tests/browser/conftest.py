"""The browser harness: Debian's Chromium through Playwright against pytest-django's live_server.

Every test here is marked `browser`. The `page` fixture gives a fresh Norwegian browser context
per test and fails the test at teardown when the page broke the Content Security Policy;
`assert_accessible` runs axe-core with the WCAG 2.1 A/AA rules.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

# Playwright's sync API keeps an asyncio event loop running in this thread (it switches to it
# through greenlets), so Django's async-unsafe guard takes the test's own ORM calls (factories,
# assertions) for calls from async code and raises SynchronousOnlyOperation. The tests are plain
# synchronous code and the live server runs in its own thread, so the guard is switched off.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BROWSER_DIR = Path(__file__).parent

# Playwright cannot download its own browsers here: Debian's Chromium, headless, kept quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]

WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Runs in every document before the page's own scripts; the page's CSP does not apply to it.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const violation = {
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI,
    document: event.documentURI,
    source: event.sourceFile,
    line: event.lineNumber,
    column: event.columnNumber,
    sample: event.sample,
    disposition: event.disposition,
  };
  window.__cspViolations.push(violation);
  if (typeof window.__reportCspViolation === "function") {
    window.__reportCspViolation(violation);
  }
});
"""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Mark the browser tests and run them last (after pytest-django's own ordering).

    Once started, the session's Playwright leaves its event loop "running" in the main thread
    until the session ends; running the browser tests last keeps the other tests clear of it.
    """
    browser_items = [item for item in items if BROWSER_DIR in Path(item.path).parents]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    other_items = [item for item in items if item not in browser_items]
    items[:] = other_items + browser_items


@pytest.fixture(scope="session")
def playwright_driver(chromium_path):
    # Depends on chromium_path so that nothing starts when the browser is missing.
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_driver, chromium_path):
    browser = playwright_driver.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def csp_violations() -> list[dict]:
    """The CSP violations the `page` fixture saw so far; it fails the test if any are left."""
    return []


@pytest.fixture
def page(browser, csp_violations):
    context = browser.new_context(locale="nb-NO", timezone_id="Europe/Oslo")
    context.set_default_timeout(10_000)
    context.expose_function(
        "__reportCspViolation",
        lambda violation: csp_violations.append({"via": "event", **violation}),
    )
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_violations.append({"via": "console", "text": message.text, "url": page.url})

    page.on("console", on_console)
    yield page

    # The reports of the current document, in case one has not reached Python yet (the
    # round trip also lets queued console messages and binding calls through).
    try:
        in_page = page.evaluate("window.__cspViolations || []")
    except PlaywrightError:
        in_page = []
    context.close()
    seen = {_key(violation) for violation in csp_violations}
    found = csp_violations + [
        {"via": "event", **violation}
        for violation in in_page
        if _key({"via": "event", **violation}) not in seen
    ]
    if found:
        lines = "\n".join(f"  - {json.dumps(v, ensure_ascii=False)}" for v in found)
        pytest.fail(f"The page broke the Content Security Policy {len(found)} time(s):\n{lines}")


def _key(violation: dict) -> str:
    return json.dumps(violation, sort_keys=True)


_axe = Axe()


def assert_accessible(page, context_note: str = "") -> None:
    """Fail with a readable list when axe-core finds a WCAG 2.1 A/AA violation on the page."""
    results = _axe.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_21_AA_TAGS},
            "resultTypes": ["violations"],
        },
    )
    violations = results.response["violations"]
    if not violations:
        return
    where = page.url + (f" ({context_note})" if context_note else "")
    report = [f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {where}:"]
    for violation in violations:
        report.append(
            f"- {violation['id']} [{violation['impact']}]: {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            report.append(f"    {target}")
            if node.get("failureSummary"):
                summary = node["failureSummary"].replace("\n", "\n      ")
                report.append(f"      {summary}")
    pytest.fail("\n".join(report), pytrace=False)
