"""The case document's rich text (ADR 0006): sanitised when saved, when shown, and plain where
the text leaves the page (the search index, the OParl API)."""

import datetime
import re

import pytest

from meetings.forms import CaseForm
from meetings.models import Meeting
from meetings.search import SearchDocument, index_meeting
from tests.factories import OSLO, bring_to, make_case, make_item, make_meeting

State = Meeting.State
FORMATTED = (
    "<p>Styret <strong>slutter seg</strong> til <em>revidert</em> mandat.</p>"
    '<ul><li>Se <a href="https://www.example.no/mandat">mandatet</a></li></ul>'
)
HOSTILE = (
    '<p onclick="alert(1)">Bakgrunn<script>alert("xss")</script></p>'
    '<img src="x" onerror="alert(2)"><a href="javascript:alert(3)">lenke</a>'
    "<style>body { display: none }</style>"
)
TAG = re.compile(r"<[a-zA-Z/!]")


@pytest.fixture
def as_secretary(client, secretary_a):
    client.force_login(secretary_a)
    return client


@pytest.fixture
def case(coop_a):
    return make_case(coop_a, year=2020, sequence=48, title="Revidert mandat for faggruppen")


def form_data(**texts):
    return {"case-title": "Revidert mandat for faggruppen", "case-kind": "decision", **texts}


# The form


@pytest.mark.django_db
def test_the_form_keeps_allowed_formatting_and_removes_the_rest(case):
    form = CaseForm(
        form_data(**{"case-proposed_decision": FORMATTED, "case-background": HOSTILE}),
        instance=case,
        prefix="case",
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["proposed_decision"] == FORMATTED.replace(
        'mandat">', 'mandat" rel="noopener">'
    )
    background = form.cleaned_data["background"]
    assert "Bakgrunn" in background and "lenke" in background
    for unsafe in ("<script", "onclick", "onerror", "<img", "javascript:", "<style", "alert"):
        assert unsafe not in background


@pytest.mark.django_db
def test_the_bare_textarea_keeps_plain_text_whose_lines_make_paragraphs(case):
    text = "Første avsnitt\nsamme avsnitt\n\nAndre avsnitt"
    form = CaseForm(form_data(**{"case-background": text}), instance=case, prefix="case")
    assert form.is_valid()
    assert form.cleaned_data["background"] == text


@pytest.mark.django_db
def test_an_editor_without_formatting_or_left_empty_saves_plain_text(case):
    form = CaseForm(
        form_data(
            **{"case-background": "<p>Første</p>\n<p>Andre</p>", "case-assessment": "<p><br></p>"}
        ),
        instance=case,
        prefix="case",
    )
    assert form.is_valid()
    assert form.cleaned_data["background"] == "Første\n\nAndre"
    assert form.cleaned_data["assessment"] == ""


@pytest.mark.django_db
def test_the_textareas_are_marked_for_the_editor_and_show_unformatted_html_as_text(case):
    case.background = "<p>Første &amp; beste</p><p>Andre</p>"
    case.assessment = "<p>Med <strong>fet</strong> skrift</p>"
    html = str(CaseForm(instance=case, prefix="case"))
    assert re.search(r'<textarea[^>]*name="case-background"[^>]*data-richtext', html)
    assert "Første &amp; beste\n\nAndre</textarea>" in html
    assert "&lt;p&gt;Med &lt;strong&gt;fet&lt;/strong&gt; skrift&lt;/p&gt;</textarea>" in html


@pytest.mark.django_db
def test_the_case_editor_saves_sanitised_text_and_loads_the_editor_without_inline_script(
    as_secretary, case
):
    url = f"/sekretariat/saksframlegg/{case.pk}/"
    response = as_secretary.post(url, form_data(**{"case-background": HOSTILE}))
    assert response.status_code == 302
    case.refresh_from_db()
    assert "<script" not in case.background and "onerror" not in case.background
    page = as_secretary.get(url).text
    assert re.search(r'<script src="/static/js/richtext\.js" defer></script>', page)
    assert '<template id="richtext-toolbar">' in page
    assert len(re.findall(r'data-command="[a-zA-Z]+"', page)) == 5
    assert len(re.findall(r'aria-pressed="false"', page)) == 4
    assert not re.search(r"<[^>]*\son[a-z]+=", page), "no inline event handlers (CSP)"


# Shown to the public


@pytest.fixture
def called(body_x, secretary_a, case):
    case.proposed_decision = FORMATTED
    case.background = HOSTILE
    case.assessment = "Gammel tekst\n\nom FoU & slikt"
    case.save()
    meeting = make_meeting(body_x, start=datetime.datetime(2020, 9, 11, 10, tzinfo=OSLO))
    make_item(meeting, case=case)
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    return meeting


@pytest.mark.django_db
def test_the_public_case_page_renders_allowed_markup_and_never_a_script(client, called, case):
    response = client.get(f"/saker/{case.cooperation.slug}/2020-48/")
    assert response.status_code == 200
    html = response.text
    assert "Styret <strong>slutter seg</strong> til <em>revidert</em> mandat." in html
    assert '<a href="https://www.example.no/mandat" rel="noopener">mandatet</a>' in html
    assert "<p>Gammel tekst</p>\n\n<p>om FoU &amp; slikt</p>" in html
    main = html[html.index("<main") : html.index("</main>")]
    for unsafe in ("<script", "onclick", "onerror", "javascript:", "<style", "<img"):
        assert unsafe not in main


# Where the text leaves as plain text


@pytest.mark.django_db
def test_the_search_index_holds_the_words_without_tags(called, case):
    index_meeting(called)
    document = SearchDocument.objects.get(case=case)
    assert document.decision == "Styret slutter seg til revidert mandat.\n\nSe mandatet"
    assert "Bakgrunn" in document.text and "lenke" in document.text
    assert document.text.endswith("Gammel tekst\n\nom FoU & slikt")
    assert not TAG.search(document.decision) and not TAG.search(document.text)
    assert "alert" not in document.text


@pytest.mark.django_db
def test_the_oparl_document_text_has_no_tags(client, called, case):
    response = client.get(f"/oparl/v1/paper/{case.pk}")
    assert response.status_code == 200
    text = response.json()["mainFile"]["text"]
    assert "Forslag til vedtak\n\nStyret slutter seg til revidert mandat.\n\nSe mandatet" in text
    assert not TAG.search(text) and "alert" not in text
