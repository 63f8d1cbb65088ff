"""The public front page in a real browser: content, accessibility, CSP, keyboard and zoom."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from tests.browser.conftest import assert_accessible
from tests.factories import make_body, make_cooperation, make_item, make_meeting, make_secretary

pytestmark = pytest.mark.browser

# 400 % zoom of a 1280 CSS px wide window leaves 320 CSS px (WCAG 1.4.10 Reflow).
ZOOMED_VIEWPORT = {"width": 320, "height": 256}


@pytest.fixture
def called_meeting(live_server):
    cooperation = make_cooperation(name="Osloregionen", slug="osloregionen")
    body = make_body(cooperation, name="Styret for Osloregionen")
    secretary = make_secretary(cooperation, "sekretar")
    meeting = make_meeting(
        body,
        start=timezone.now() + datetime.timedelta(days=7),
        place="Oslo rådhus, møterom Nansen",
    )
    make_item(meeting, title="Godkjenning av innkalling og saksliste")
    meeting.send_notice(by=secretary)
    return meeting


def in_bokmal(message: str) -> str:
    """What the page shows: "Kommende møter" once the catalogue is compiled, English before."""
    with translation.override("nb"):
        return translation.gettext(message)


def open_home(page, live_server) -> None:
    response = page.goto(live_server.url + "/")
    assert response is not None and response.ok, f"GET / answered {response and response.status}"


def test_the_home_page_lists_an_upcoming_meeting_under_upcoming_meetings(
    page, live_server, called_meeting
):
    open_home(page, live_server)

    upcoming = page.locator("section[aria-labelledby='upcoming-heading']")
    assert upcoming.get_by_role("heading", level=2).inner_text() == in_bokmal("Upcoming meetings")
    assert called_meeting.body.name in upcoming.locator(".meeting-list").inner_text()


def test_the_home_page_with_a_meeting_has_no_accessibility_or_csp_violations(
    page, live_server, called_meeting, csp_violations
):
    open_home(page, live_server)

    assert_accessible(page, "front page with an upcoming meeting")
    page.evaluate("window.__cspViolations")  # a round trip lets pending reports through
    assert csp_violations == []


def test_the_home_page_is_in_norwegian_bokmal(page, live_server, called_meeting):
    open_home(page, live_server)

    assert page.locator("html").get_attribute("lang") == "nb"


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    page, live_server, called_meeting
):
    open_home(page, live_server)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    assert page.locator(".skip-link").is_visible(), "the focused skip link must be visible"

    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"


def test_the_home_page_does_not_scroll_sideways_at_400_percent_zoom(
    page, live_server, called_meeting
):
    page.set_viewport_size(ZOOMED_VIEWPORT)
    open_home(page, live_server)

    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], f"horizontal scrolling at 320 px: {widths}"


def test_the_empty_home_page_shows_its_empty_state_without_accessibility_violations(
    page, live_server
):
    open_home(page, live_server)

    upcoming = page.locator("section[aria-labelledby='upcoming-heading']")
    assert upcoming.locator(".meeting-list").count() == 0
    assert upcoming.locator("p.empty").inner_text() == in_bokmal(
        "No meetings have been called yet."
    )
    assert_accessible(page, "empty front page")


def test_the_csp_guard_notices_an_inline_script(page, live_server, csp_violations):
    """The harness itself: the zero-violation checks above would be empty without this."""
    open_home(page, live_server)

    page.evaluate(
        "() => { const script = document.createElement('script');"
        " script.textContent = 'window.__ran = true'; document.body.append(script); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran === undefined"), "the inline script must not run"
    for _ in range(100):  # the binding call and the console message arrive asynchronously
        if {"event", "console"} <= {violation["via"] for violation in csp_violations}:
            break
        page.wait_for_timeout(20)
    assert {violation["via"] for violation in csp_violations} == {"event", "console"}
    event = next(violation for violation in csp_violations if violation["via"] == "event")
    assert event["directive"] == "script-src-elem"
    assert event["blocked"] == "inline"

    # Expected: forget it so that the page fixture does not fail this test.
    csp_violations.clear()
    page.evaluate("window.__cspViolations.length = 0")


def test_the_accessibility_check_notices_a_button_without_a_name(page, live_server):
    """The harness itself: axe really runs the WCAG rules and reports the failing node."""
    open_home(page, live_server)
    page.evaluate(
        "() => { const button = document.createElement('button');"
        " button.id = 'nameless'; document.querySelector('main').append(button); }"
    )

    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page, "a nameless button added")

    message = str(failure.value)
    assert "button-name [critical]" in message
    assert "#nameless" in message
    assert "(a nameless button added)" in message
