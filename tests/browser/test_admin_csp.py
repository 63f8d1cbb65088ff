"""The admin under the site's Content Security Policy (issue 8, item 8): a superuser logs in
to /admin/ and opens the meeting changelist and a meeting's change form, with its inlines,
autocomplete widgets, date hierarchy and filters; the `page` fixture fails on any CSP
violation. The admin runs under the same policy as the rest of the site (docs/security.md).

Both pages are also checked with axe-core: the change form's tabular inlines name each
input after its column (meetings.admin.LabelledInlineFormSet), which Django's own markup
does not."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from meetings.models import Meeting
from tests.browser.conftest import assert_accessible
from tests.factories import (
    OSLO,
    make_attendance,
    make_body,
    make_cooperation,
    make_item,
    make_meeting,
    make_person,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def meeting(live_server):
    cooperation = make_cooperation(name="Osloregionen", slug="osloregionen")
    body = make_body(cooperation, name="Styret")
    meeting = make_meeting(body, start=datetime.datetime(2026, 3, 12, 10, tzinfo=OSLO))
    make_item(meeting, title="Budsjett 2027")
    make_item(meeting, title="Jernbanekampanje")
    make_attendance(meeting, make_person(cooperation, name="Ingar Vaskinn"))
    get_user_model().objects.create_superuser("admin", "admin@example.invalid", "demo")
    return meeting


def test_the_admin_runs_under_the_csp_without_violations(page, live_server, meeting, settings):
    assert "unsafe-inline" not in str(settings.SECURE_CSP["script-src"])

    page.goto(live_server.url + "/admin/")
    page.wait_for_url("**/admin/login/**")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("demo")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    # The index and the admin's own scripts (nav sidebar, theme toggle) loaded and ran.
    expect(page.locator("#content-main")).to_be_visible()

    page.goto(live_server.url + "/admin/meetings/meeting/")
    expect(page.locator("#result_list")).to_contain_text("Styret")
    # The changelist's scripts: the action checkboxes select a row (actions.js) …
    page.locator("#result_list tbody input.action-select").first.check()
    expect(page.locator(".action-counter")).to_contain_text("1")
    # … and the filter sidebar's details and the date hierarchy render.
    expect(page.locator("#changelist-filter")).to_be_visible()
    expect(page.locator("nav.toplinks")).to_be_visible()
    assert_accessible(page, "admin changelist")

    page.goto(live_server.url + f"/admin/meetings/meeting/{meeting.pk}/change/")
    expect(page.locator("#meeting_form")).to_be_visible()
    # The inlines (inlines.js) and an autocomplete widget (select2, autocomplete.js) work.
    expect(page.locator("#items-group")).to_contain_text("Budsjett 2027")
    autocomplete = page.locator("#attendances-group .select2-selection").first
    autocomplete.click()
    expect(page.locator(".select2-results__option").first).to_contain_text("Ingar Vaskinn")
    page.keyboard.press("Escape")
    # The date and time shortcuts (calendar.js, DateTimeShortcuts.js) are added by script.
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()
    assert_accessible(page, "admin change form with its inlines")
    assert Meeting.objects.filter(pk=meeting.pk).exists()
