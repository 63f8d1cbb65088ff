"""In a real browser: the case document's rich-text editor, and finding a case for the agenda.

The toolbar's buttons are found by their command, not their label, so these tests hold
whether or not the labels are translated yet.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from meetings.models import Meeting
from tests.browser.conftest import assert_accessible
from tests.factories import make_body, make_case, make_cooperation, make_secretary

pytestmark = pytest.mark.browser


@pytest.fixture
def secretary(live_server):
    cooperation = make_cooperation(name="Osloregionen", slug="osloregionen")
    make_body(cooperation, name="Styret", has_any_other_business=True)
    user = make_secretary(cooperation, "sekretar")
    user.set_password("demo")
    user.save()
    return user


def log_in(page, url: str) -> None:
    page.goto(url + "/konto/logg-inn/?next=/sekretariat/")
    page.get_by_label("Brukernavn").fill("sekretar")
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/sekretariat/")


def test_the_case_text_is_formatted_with_the_toolbar_and_the_keyboard(page, live_server, secretary):
    case = make_case(
        secretary.staff_memberships.get().cooperation,
        title="Revidert mandat",
        background="Gammel tekst\n\nuten formatering",
    )
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/sekretariat/saksframlegg/{case.pk}/")

    editor = page.locator("#id_case-background-editor")
    expect(editor).to_have_attribute("contenteditable", "true")
    expect(page.locator("#id_case-background")).to_be_hidden()
    # The old plain text is shown as its paragraphs.
    expect(editor.locator("p")).to_have_count(2)
    assert_accessible(page, "case document with the editor")

    toolbar = page.get_by_role("toolbar").filter(has=page.locator('[data-command="bold"]')).nth(1)
    bold = toolbar.locator('[data-command="bold"]')
    editor.click()
    page.keyboard.press("End")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    bold.click()
    expect(bold).to_have_attribute("aria-pressed", "true")
    page.keyboard.type("viktig")
    bold.click()
    expect(bold).to_have_attribute("aria-pressed", "false")
    page.keyboard.type(" ord")

    # The toolbar is one tab stop; the arrow keys move along it.
    editor.press("Enter")
    toolbar.locator('[data-command="bold"]').focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.dataset.command")
    assert focused == "insertUnorderedList"
    page.keyboard.press("Enter")
    editor.focus()
    page.keyboard.type("første punkt")

    # A pasted script is not kept, even for a moment.
    page.evaluate(
        """(id) => {
          const data = new DataTransfer();
          data.setData("text/html", '<p class="MsoNormal" style="margin:0">limt <b>inn</b>'
            + '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script></p>');
          document.getElementById(id).dispatchEvent(
            new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        "id_case-background-editor",
    )
    assert page.evaluate("window.__pwned") is None
    assert editor.locator("img").count() == 0

    page.get_by_role("button", name="Lagre saksframlegget").click()
    assert page.get_by_text("Saksframlegget er lagret").is_visible()
    case.refresh_from_db()
    assert "<p><strong>viktig</strong> ord</p>" in case.background
    assert re.search(r"<ul><li>første punkt.*</li></ul>", case.background)
    assert "<p>limt <strong>inn</strong></p>" in case.background
    assert case.background.startswith("<p>Gammel tekst</p>")
    assert "<img" not in case.background and "onerror" not in case.background


def test_a_case_is_found_by_searching_and_added_to_the_agenda(page, live_server, secretary):
    cooperation = secretary.staff_memberships.get().cooperation
    make_case(cooperation, year=2026, sequence=12, title="Revidert mandat for faggruppen")
    make_case(cooperation, year=2026, sequence=13, title="Mandat for valgkomiteen")
    make_case(cooperation, year=2026, sequence=14, title="Budsjett 2027")
    meeting = Meeting.plan(
        body=cooperation.bodies.get(),
        by=secretary,
        start=timezone.now() + datetime.timedelta(days=9),
        place="Teams",
    )
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/sekretariat/moter/{meeting.pk}/")

    page.get_by_label("Eksisterende sak").fill("mandat")
    expect(page.get_by_role("radio")).to_have_count(2)
    assert_accessible(page, "agenda with the matches of a search")
    page.get_by_role("radio", name=re.compile("valgkomiteen")).check()
    page.get_by_role("button", name="Legg til på sakslisten").click()
    expect(page.locator(".agenda-title", has_text="Mandat for valgkomiteen")).to_be_visible()
    expect(page.get_by_label("Eksisterende sak")).to_have_value("")
    expect(page.get_by_role("radio")).to_have_count(0)

    # Typing the number and sending the form works as it does without JavaScript.
    page.get_by_label("Eksisterende sak").fill("12/2026")
    page.get_by_label("Eksisterende sak").press("Enter")
    expect(page.locator(".agenda-title", has_text="Revidert mandat")).to_be_visible()
    assert set(
        meeting.items.filter(case__isnull=False).values_list("case__sequence", flat=True)
    ) == {
        12,
        13,
    }

    page.get_by_label("Eksisterende sak").fill("vindkraft")
    page.get_by_label("Eksisterende sak").press("Enter")
    expect(page.locator("#id_case_query_error")).to_be_visible()
    assert_accessible(page, "agenda search without a match")
    assert Case.objects.count() == 3
