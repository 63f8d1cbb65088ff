"""Bad input never gives a 500 (issue 8): hypothesis over every form and every GET parameter.

The parameter and field names come from the filtersets and forms the views use. The pages are
those of the access matrix (which is checked against the URL resolver), and a new view that
takes a POST fails `test_every_view_that_takes_a_post_is_fuzzed` until it is fuzzed here.
Each example runs in a savepoint that is rolled back, so every example meets the same world,
and a refused post must leave the database as it was.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cooperation.models import Body, LoginAttempt
from meetings import pdf
from meetings.approval_forms import (
    ApprovalForm,
    CommentForm,
    CorrectionForm,
    RecordApprovalForm,
    SendForApprovalForm,
    WithdrawForm,
)
from meetings.filters import DecisionFilter, MeetingFilter
from meetings.forms import (
    ALLOWED_UPLOADS,
    AgendaCaseSearchForm,
    AgendaItemAddForm,
    AttachmentForm,
    AttendanceForm,
    AttendeeAddForm,
    CancelForm,
    CaseForm,
    DisqualifiedForm,
    FollowUpForm,
    MeetingPlanForm,
    MinutesForm,
    WorkingGroupForm,
)
from meetings.models import Meeting
from meetings.oparl import serializers
from meetings.search_views import SearchForm
from meetings.views.secretariat import MOVES, TRANSITIONS
from tests.factories import OSLO, bring_to, make_item, make_meeting, make_membership, make_person
from tests.oparl.test_bad_input import PARAMETERS as OPARL_PARAMETERS
from tests.oparl.test_bad_input import VALUES as OPARL_VALUES
from tests.test_access_matrix import (
    MATRIX,
    POST_ONLY,
    world,  # noqa: F401  (the fixture, for fuzz_world)
)

pytestmark = pytest.mark.django_db

# A deeper run for a hunt: FUZZ_SCALE=20 multiplies every number of examples below.
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
FUZZ = hypothesis_settings(
    max_examples=25 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What a page may answer to bad input: the page, a redirect, a refusal. Never a 500 (the test
# client raises the view's exception, so a crash fails the test with its traceback).
GET_STATUSES = {200, 301, 302, 400, 404}
# A post may also be refused as invalid (422), stale (409) or not allowed (403).
POST_STATUSES = {200, 302, 400, 403, 404, 409, 422}

# ---------------------------------------------------------------------------------------------
# Values


NASTY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "--1",
        "²",
        "١٢",
        "1e400",
        "NaN",
        "-Infinity",
        "null",
        "\x00",
        "a\x00b",
        "'",
        '"',
        "' OR '1'='1' --",
        '"uavsluttet',
        "-",
        "or",
        "OR -",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://example.invalid")',
        "../../etc/passwd",
        "%00",
        "9" * 30,
        "-" + "9" * 30,
        "1_1",
        "--1_1",
        "²_1",
        "1_²",
        "-1_-1",
        "２０２４",
        "🙂",
        "Ærlig øl på Åsen",
        "x" * 5000,
    ]
)
JUNK = st.one_of(
    NASTY,
    st.text(max_size=40),
    st.integers().map(str),
    st.text(min_size=1, max_size=4).map(lambda s: s * 300),
    # PostgreSQL cannot store a null character (SQLite can): a value to reach the database.
    st.tuples(st.text(max_size=8), st.text(max_size=8)).map("\x00".join),
)
JUNK_FIELDS = st.dictionaries(st.text(min_size=1, max_size=12), JUNK, max_size=2)
# Keyset cursors ("<microseconds>_<id>") and things shaped almost like them.
CURSORS = st.one_of(
    st.from_regex(r"\A-?[0-9]{1,25}_[0-9]{1,25}\Z"),
    st.text(alphabet="0123456789-_²٣", min_size=1, max_size=30),
    JUNK,
)
# The ends of the calendar, where time zones and two hours more run out of years.
DATES = st.one_of(st.dates(), st.sampled_from([datetime.date.min, datetime.date.max]))
DATETIMES = st.one_of(
    st.datetimes(),
    st.sampled_from([datetime.datetime.min, datetime.datetime.max]),
    st.sampled_from(["2026-03-29T02:30", "2026-10-25T02:30"]).map(  # summer time begins, ends
        datetime.datetime.fromisoformat
    ),
)


def field_values(field: forms.Field, pks: Callable[[type], list]) -> st.SearchStrategy:
    """Values for one form field: mostly of its kind (real ids, its choices, dates), or junk."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        one = st.one_of(st.sampled_from(pks(field.queryset.model) or [""]).map(str), JUNK)
        return st.lists(one, max_size=4)
    if isinstance(field, forms.ModelChoiceField):
        return st.one_of(st.sampled_from(pks(field.queryset.model) or [""]).map(str), JUNK)
    if isinstance(field, forms.ChoiceField):
        choices = [str(value) for value, _label in field.choices] or [""]
        return st.one_of(st.sampled_from(choices), JUNK)
    if isinstance(field, forms.DateTimeField):
        return st.one_of(
            DATETIMES.map(lambda moment: moment.isoformat(timespec="minutes")),
            DATETIMES.map(lambda moment: moment.isoformat(sep=" ", timespec="minutes")),
            JUNK,
        )
    if isinstance(field, forms.DateField):
        return st.one_of(
            DATES.map(datetime.date.isoformat),
            DATES.filter(lambda day: day.year >= 1000).map(lambda day: f"{day:%d.%m.%Y}"),
            JUNK,
        )
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return st.one_of(st.integers(min_value=-5, max_value=3000).map(str), JUNK)
    if isinstance(field, forms.BooleanField):
        return st.one_of(st.sampled_from(["on", "true", "false", "0", ""]), JUNK)
    if isinstance(field, forms.FileField):
        return UPLOADS.map(lambda upload: SimpleUploadedFile(upload[0], upload[1]))
    if isinstance(field, forms.URLField):
        return st.one_of(
            st.sampled_from(["https://meet.example.no/møte", "javascript:alert(1)", "//x"]), JUNK
        )
    return JUNK


def form_fields(*sources) -> list[tuple[str, forms.Field]]:
    """(name in the POST, field) of forms given as a class or (class, prefix)."""
    found = []
    for source in sources:
        form_class, prefix = source if isinstance(source, tuple) else (source, "")
        for name, field in form_class.base_fields.items():
            found.append((f"{prefix}-{name}" if prefix else name, field))
    return found


@st.composite
def form_data(draw, fields: dict[str, st.SearchStrategy], valid: dict) -> dict:
    """A known good post with a few fields fuzzed or dropped, or every field fuzzed or
    dropped; and always a few unknown fields besides."""
    if valid and draw(st.booleans()):
        data = dict(valid)
        for name in draw(st.sets(st.sampled_from(sorted(fields)), min_size=1, max_size=3)):
            if draw(st.integers(0, 4)) == 0:
                data.pop(name, None)
            else:
                data[name] = draw(fields[name])
    else:
        data = {name: draw(values) for name, values in fields.items() if draw(st.booleans())}
    data.update(draw(JUNK_FIELDS))
    return data


# Uploads: names of the allowed kinds and of others, and bytes that do or do not start as
# the kind's signature. Names from a tame alphabet are judged by `acceptable` below.
SIGNATURES = sorted({s for _type, signatures in ALLOWED_UPLOADS.values() for s in signatures})
SUFFIXES = [*ALLOWED_UPLOADS, "PDF", "Docx", "exe", "html", "svg", "pdf.exe", "exe.pdf", ""]
TAME_NAMES = st.tuples(
    st.text(alphabet="abcxyzæøåÆØÅ0123456789-_", min_size=1, max_size=300),
    st.sampled_from(SUFFIXES),
).map(lambda parts: f"{parts[0]}.{parts[1]}" if parts[1] else parts[0])
CONTENTS = st.one_of(
    st.binary(max_size=64),
    st.tuples(st.sampled_from(SIGNATURES), st.binary(max_size=32)).map(b"".join),
    st.sampled_from([b"Referat\n", b"", b"tekst\x00binary"]),
)
# Names Django's uploaded file cannot carry at all ("", ".", "..") are left out.
UPLOADS = st.tuples(
    st.one_of(TAME_NAMES, st.text(max_size=80)).filter(
        lambda name: os.path.basename(name) not in {"", ".", ".."}
    ),
    CONTENTS,
)


def acceptable(name: str, content: bytes) -> bool:
    """What AttachmentForm.clean_file should accept: an allowed suffix and matching bytes."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ALLOWED_UPLOADS or not content:
        return False
    _content_type, signatures = ALLOWED_UPLOADS[suffix]
    if signatures and not content.startswith(tuple(signatures)):
        return False
    return not (suffix == "txt" and b"\x00" in content[:8192])


# ---------------------------------------------------------------------------------------------
# The world, the clients, and the check that a refusal saved nothing


@pytest.fixture
def fuzz_world(request, body_y, secretary_a, member_y, monkeypatch):
    """The access matrix's world, and a body whose chair and one member approve the minutes:
    one of its meetings held, one out for approval with `member_y` approving."""
    base = request.getfixturevalue("world")
    # The PDFs' HTML is built from the fuzzed text, but WeasyPrint (seconds a document) is not
    # what is fuzzed here.
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: b"%PDF-1.7\n%fuzz\n")
    body_y.approval_rule = Body.ApprovalRule.CHAIR_AND_MEMBERS
    body_y.approvers_count = 1
    body_y.save()
    make_membership(body_y, make_person(body_y.cooperation, name="Tone Leder"), role="chair")
    meetings = {}
    for name, day in [("held_y", 2), ("approving_y", 9)]:
        meeting = make_meeting(body_y, start=datetime.datetime(2024, 4, day, 10, tzinfo=OSLO))
        make_item(meeting, title="Regional transportplan")
        bring_to(meeting, Meeting.State.HELD, secretary_a)
        meeting.prefill_attendance()
        meetings[name] = meeting
    meetings["approving_y"].send_minutes_for_approval(
        by=secretary_a,
        deadline=timezone.localdate() + datetime.timedelta(days=14),
        members=[member_y.person],
    )
    base["held"].prefill_attendance()
    return {**base, **meetings, "published_item": base["published"].items.get()}


@pytest.fixture
def pks(fuzz_world) -> Callable[[type], list]:
    cache: dict[type, list] = {}

    def of(model: type) -> list:
        if model not in cache:
            cache[model] = list(model.objects.order_by("pk").values_list("pk", flat=True))
        return cache[model]

    return of


@pytest.fixture
def clients(fuzz_world, secretary_a, member_x, member_y) -> dict[str, Client]:
    def logged_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return {
        "anonymous": Client(),
        "secretary": logged_in(secretary_a),
        "member": logged_in(member_x),
        "approver": logged_in(member_y),
    }


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Every table of ours but the log of login attempts, which records refusals by design.
WATCHED = [
    model
    for label in ("cooperation", "cases", "meetings")
    for model in apps.get_app_config(label).get_models()
    if model is not LoginAttempt
]


def snapshot() -> tuple:
    """Each table's row count and latest `modified` and `version`, in one query: any insert,
    delete or save in between changes it."""
    quote = connection.ops.quote_name
    parts = []
    for model in WATCHED:
        table = quote(model._meta.db_table)
        parts.append(f"(SELECT COUNT(*) FROM {table})")
        columns = {field.name: field.column for field in model._meta.concrete_fields}
        for name in ("modified", "version"):
            if name in columns:
                parts.append(f"(SELECT MAX({quote(columns[name])}) FROM {table})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def refused(response) -> bool:
    """Refused by its status, by the errors of the form shown again, or redirected back with
    an error and no success."""
    if response.status_code in {400, 403, 404, 409, 422}:
        return True
    form = response.context.get("form") if response.context else None
    if response.status_code == 200 and form is not None and form.errors:
        return True
    levels = {message.level for message in messages.get_messages(response.wsgi_request)}
    return messages.ERROR in levels and messages.SUCCESS not in levels


# ---------------------------------------------------------------------------------------------
# GET: the public pages and their parameters


def reader_of(statuses: dict) -> str:
    """Who may read a page: the public, else the secretary, else a member."""
    if statuses["anonymous"] == 200:
        return "anonymous"
    if statuses["secretary"] == 200:
        return "secretary"
    return "member"


# The parameters each page reads, from the filterset or form it reads them with; the archive
# lists also read their keyset cursors (`etter`, `for`, meetings/views/public.py).
CURSOR_PARAMETERS = ["etter", "for"]


def get_parameters(pks) -> dict[str, dict[str, st.SearchStrategy]]:
    def of(fields) -> dict[str, st.SearchStrategy]:
        return {name: field_values(field, pks) for name, field in fields}

    def filters(filterset) -> list:
        return list(filterset(queryset=filterset._meta.model.objects.none()).form.fields.items())

    cursors = {name: CURSORS for name in CURSOR_PARAMETERS}
    return {
        "meetings:meeting_list": of(filters(MeetingFilter)) | cursors,
        "meetings:decision_list": of(filters(DecisionFilter)) | cursors,
        "search": of(form_fields(SearchForm)),
        "meetings:agenda_case_search": of(form_fields(AgendaCaseSearchForm)),
        "login": {"next": JUNK},
    }


def test_the_fuzzed_parameters_are_those_the_pages_read():
    # Read from the filtersets and forms, so a filter added later is fuzzed without a change.
    parameters = get_parameters(lambda model: [])
    assert {"organ", "aar", "rekkefolge", "etter", "for"} <= set(
        parameters["meetings:meeting_list"]
    )
    assert {"organ", "aar", "type", "utfall", "organisasjon", "rekkefolge", "etter", "for"} <= set(
        parameters["meetings:decision_list"]
    )
    assert {"q", "sortering", "side"} <= set(parameters["search"])


@FUZZ
@given(data=st.data())
@pytest.mark.parametrize("name", ["meetings:meeting_list", "meetings:decision_list", "search"])
def test_the_archive_lists_and_the_search_answer_any_parameters(clients, pks, name, data):
    parameters = get_parameters(pks)[name]
    query = data.draw(form_data(parameters, valid={}), label="query")
    with rolled_back():
        response = clients["anonymous"].get(reverse(name), query)
    assert response.status_code in GET_STATUSES


def with_fuzzed_numbers(kwargs: dict, draw) -> dict:
    """The URL's arguments, each number possibly replaced by any non-negative number."""
    return {
        key: draw(st.one_of(st.just(value), st.integers(min_value=0)))
        if isinstance(value, int)
        else value
        for key, value in kwargs.items()
    }


READABLE = sorted(name for name, (_build, statuses) in MATRIX.items() if statuses is not POST_ONLY)


@hypothesis_settings(FUZZ, max_examples=120 * SCALE)
@given(data=st.data())
def test_every_page_answers_any_query_string(clients, fuzz_world, pks, data):
    name = data.draw(st.sampled_from(READABLE), label="name")
    build, statuses = MATRIX[name]
    url = reverse(name, kwargs=with_fuzzed_numbers(build(fuzz_world), data.draw))
    own = get_parameters(pks).get(name, {})
    query = data.draw(form_data(own, valid={}), label="query")
    headers = {"HX-Request": "true"} if data.draw(st.booleans(), label="htmx") else {}
    with rolled_back():
        response = clients[reader_of(statuses)].get(url, query, headers=headers)
    assert response.status_code in GET_STATUSES


OPARL_LISTS = [f"body/{{body}}/{name}" for name in serializers.BODY_LISTS.values()] + [
    "organization/{organization}/meetings",
    "organization/{organization}/consultations",
]


@FUZZ
@given(
    path=st.sampled_from(OPARL_LISTS),
    params=st.dictionaries(OPARL_PARAMETERS, OPARL_VALUES, max_size=4),
)
def test_every_oparl_list_answers_any_parameters(fuzz_world, coop_a, body_x, path, params):
    # tests/oparl/test_bad_input.py fuzzes four lists; these are all of them.
    api = Client()
    url = "/oparl/v1/" + path.format(body=coop_a.pk, organization=body_x.pk)
    with rolled_back():
        response = api.get(url, params)
    assert response.status_code in (200, 400, 404), response.content
    assert response["Content-Type"] == "application/json"


# ---------------------------------------------------------------------------------------------
# POST: every form, as the role allowed to post it


@dataclass(frozen=True)
class Target:
    """A view that takes a post: who posts, where, and what it reads."""

    role: str
    urls: Callable[[dict], st.SearchStrategy[str]]
    forms: tuple = ()
    # Fields the view reads from request.POST without a form.
    names: tuple = ()
    # A post the view accepts, to fuzz a few fields of.
    valid: Callable[[dict], dict] = lambda w: {}
    # Extra field strategies, by name (e.g. the attendance formset's rows).
    extra: Callable[[dict, Callable], dict] = lambda w, pks: {}


def url(name: str, *keys: str) -> Callable[[dict], st.SearchStrategy[str]]:
    """The URL of `name` for one of the world's objects `keys` (its pk), or with no arguments."""

    def build(w: dict) -> st.SearchStrategy[str]:
        if not keys:
            return st.just(reverse(name))
        return st.sampled_from([reverse(name, args=[w[key].pk]) for key in keys])

    return build


SLUGS = st.from_regex(r"\A[-a-zA-Z0-9_]{1,30}\Z")
SEGMENTS = st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s)


def transition_urls(w: dict) -> st.SearchStrategy[str]:
    return st.builds(
        lambda key, action: reverse(
            "meetings:meeting_transition", kwargs={"pk": w[key].pk, "action": action}
        ),
        st.sampled_from(["planned", "held", "published", "approving_y"]),
        st.sampled_from([*sorted(TRANSITIONS), None]).flatmap(
            lambda action: st.just(action) if action else SLUGS
        ),
    )


def move_urls(w: dict) -> st.SearchStrategy[str]:
    return st.builds(
        lambda direction: reverse(
            "meetings:agenda_item_move",
            kwargs={"pk": w["planned"].pk, "item": w["planned_item"].pk, "direction": direction},
        ),
        st.one_of(st.sampled_from(sorted(MOVES)), SEGMENTS),
    )


def attendance_rows(w: dict, pks) -> dict[str, st.SearchStrategy]:
    """The roster formset: its management form and three rows, as the page posts them."""
    ids = [str(pk) for pk in w["held"].attendances.values_list("pk", flat=True)]
    # Counts up to a few: a count in the thousands is a valid, slow page of empty rows.
    counts = st.one_of(
        st.integers(min_value=-1, max_value=4).map(str),
        st.one_of(st.text(max_size=3), NASTY).filter(lambda value: not value.isdigit()),
    )
    fields: dict[str, st.SearchStrategy] = {
        f"form-{key}": counts
        for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
    }
    for row in range(3):
        for name, field in AttendanceForm.base_fields.items():
            fields[f"form-{row}-{name}"] = field_values(field, pks)
        fields[f"form-{row}-id"] = st.one_of(st.sampled_from(ids), JUNK)
        fields[f"form-{row}-DELETE"] = st.sampled_from(["", "on"])
    return fields


def attendance_valid(w: dict) -> dict:
    rows = list(w["held"].attendances.all())
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        data |= {f"form-{n}-id": str(row.pk), f"form-{n}-role": row.role}
        if row.is_chair:
            data[f"form-{n}-is_chair"] = "on"
    return data


def minutes_valid(item_key: str, **more) -> Callable[[dict], dict]:
    def build(w: dict) -> dict:
        item = w[item_key]
        return {"version": str(item.version), "decision": "Vedtatt.", "outcome": "", **more}

    return build


TARGETS = {
    "meetings:meeting_new": Target(
        "secretary",
        url("meetings:meeting_new"),
        (MeetingPlanForm,),
        valid=lambda w: {
            "body": str(w["planned"].body_id),
            "start": "2027-05-02T10:00",
            "end": "2027-05-02T12:00",
            "place": "Oslo rådhus",
        },
    ),
    "meetings:agenda_item_add": Target(
        "secretary",
        url("meetings:agenda_item_add", "planned", "held", "published"),
        (AgendaItemAddForm,),
        valid=lambda w: {"new_title": "Budsjett 2027", "kind": "decision"},
    ),
    "meetings:agenda_item_move": Target("secretary", move_urls, names=("steps",)),
    "meetings:agenda_item_remove": Target(
        "secretary",
        lambda w: st.just(
            reverse(
                "meetings:agenda_item_remove",
                kwargs={"pk": w["planned"].pk, "item": w["planned_item"].pk},
            )
        ),
    ),
    "meetings:meeting_transition": Target(
        "secretary",
        transition_urls,
        (CancelForm,),
        valid=lambda w: {"reason": "Ingen saker til behandling."},
    ),
    "meetings:meeting_attendance": Target(
        "secretary",
        url("meetings:meeting_attendance", "held", "planned"),
        ((AttendeeAddForm, "add"),),
        valid=attendance_valid,
        extra=attendance_rows,
    ),
    "meetings:item_minutes": Target(
        "secretary",
        url("meetings:item_minutes", "held_item"),
        (MinutesForm,),
        valid=minutes_valid("held_item"),
    ),
    "meetings:item_follow_up_add": Target(
        "secretary",
        url("meetings:item_follow_up_add", "held_item"),
        ((FollowUpForm, "oppfolging"),),
        valid=lambda w: {"oppfolging-description": "Kalle inn", "oppfolging-due": "2027-01-01"},
    ),
    "meetings:item_working_group_add": Target(
        "secretary",
        url("meetings:item_working_group_add", "held_item"),
        ((WorkingGroupForm, "gruppe"),),
        valid=lambda w: {
            "gruppe-name": "Arbeidsgruppe for samferdsel",
            "gruppe-members": [str(w["held"].attendances.first().person_id)],
            "gruppe-lead": str(w["held"].attendances.first().person_id),
        },
    ),
    "meetings:item_disqualified": Target(
        "secretary", url("meetings:item_disqualified", "held_item"), (DisqualifiedForm,)
    ),
    "meetings:follow_up_done": Target("secretary", url("meetings:follow_up_done", "follow_up")),
    "meetings:case_edit": Target(
        "secretary",
        url("meetings:case_edit", "case"),
        ((CaseForm, "case"), (AttachmentForm, "vedlegg")),
        valid=lambda w: {"case-title": "Revidert mandat", "case-kind": "decision"},
    ),
    "meetings:meeting_send_for_approval": Target(
        "secretary",
        url("meetings:meeting_send_for_approval", "held_y", "held"),
        (SendForApprovalForm,),
        valid=lambda w: {
            "deadline": f"{timezone.localdate() + datetime.timedelta(days=7):%Y-%m-%d}",
            "members": [str(w["held_y"].attendances.filter(is_chair=False).first().person_id)],
        },
    ),
    "meetings:meeting_record_approval": Target(
        "secretary",
        url("meetings:meeting_record_approval", "approving_y", "held"),
        (RecordApprovalForm,),
        valid=lambda w: {"note": "Signert på papir."},
    ),
    "meetings:meeting_withdraw": Target(
        "secretary",
        url("meetings:meeting_withdraw", "approving_y"),
        (WithdrawForm,),
        valid=lambda w: {"reason": "Feil i vedtaket."},
    ),
    "meetings:meeting_pdfs_make": Target(
        "secretary", url("meetings:meeting_pdfs_make", "planned", "published"), names=("back",)
    ),
    "meetings:email_send_again": Target(
        "secretary",
        lambda w: st.just(
            reverse(
                "meetings:email_send_again",
                kwargs={"pk": w["held"].pk, "email": w["failed_email"].pk},
            )
        ),
    ),
    "meetings:item_correction": Target(
        "secretary",
        url("meetings:item_correction", "published_item", "held_item"),
        (CorrectionForm,),
        valid=minutes_valid("published_item", reason="Skrivefeil i vedtaket."),
    ),
    "meetings:member_comment": Target(
        "approver",
        url("meetings:member_comment", "approving_y"),
        (CommentForm,),
        valid=lambda w: {"text": "Navnet er stavet feil i sak 2."},
    ),
    "meetings:member_approve": Target(
        "approver",
        url("meetings:member_approve", "approving_y"),
        (ApprovalForm,),
        valid=lambda w: {"digest": w["approving_y"].minutes_digest()},
    ),
    "login": Target(
        "anonymous",
        url("login"),
        (AuthenticationForm,),
        names=("next",),
        valid=lambda w: {"username": "sekretar", "password": "pw"},
    ),
    "logout": Target("anonymous", url("logout"), names=("next",)),
    "set_language": Target("anonymous", url("set_language"), names=("language", "next")),
}
# Views that answer a post but read nothing from it (Django's syndication feeds).
READS_NO_POST = {"meetings:minutes_feed", "meetings:body_minutes_feed"}


def test_every_view_that_takes_a_post_is_fuzzed(client, fuzz_world):
    takes_posts = set()
    for name, (build, _statuses) in MATRIX.items():
        with rolled_back():
            if client.post(reverse(name, kwargs=build(fuzz_world))).status_code != 405:
                takes_posts.add(name)
    assert takes_posts == set(TARGETS) | READS_NO_POST


@FUZZ
@given(data=st.data())
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_no_post_gives_a_500_and_a_refused_one_saves_nothing(clients, fuzz_world, pks, name, data):
    target = TARGETS[name]
    fields = {key: field_values(field, pks) for key, field in form_fields(*target.forms)}
    fields |= {key: JUNK for key in target.names}
    fields |= target.extra(fuzz_world, pks)
    post = data.draw(form_data(fields, target.valid(fuzz_world)), label="post")
    path = data.draw(target.urls(fuzz_world), label="url")
    client = clients[target.role]
    # Messages left by the previous example would be read as this one's.
    client.cookies.pop("messages", None)
    with rolled_back():
        before = snapshot()
        response = client.post(path, post)
        assert response.status_code in POST_STATUSES
        if refused(response):
            assert snapshot() == before, "a refused post changed the database"


@hypothesis_settings(FUZZ, max_examples=50 * SCALE)
@given(upload=UPLOADS, exempt=st.booleans())
def test_an_upload_is_refused_or_accepted_by_its_content(clients, fuzz_world, upload, exempt):
    name, content = upload
    post = {
        "vedlegg-title": "Vedlegg",
        "vedlegg-file": SimpleUploadedFile(name, content),
        **({"vedlegg-is_exempt": "on", "vedlegg-exemption_basis": "Offl. § 14"} if exempt else {}),
    }
    case = fuzz_world["case"]
    with rolled_back():
        before = case.attachments.count()
        response = clients["secretary"].post(reverse("meetings:case_edit", args=[case.pk]), post)
        assert response.status_code in (302, 422)
        added = case.attachments.count() - before
        assert added == (response.status_code == 302)
        if name_is_tame(name):
            assert added == acceptable(name, content), name
        if added:
            attachment = case.attachments.latest("pk")
            suffix = attachment.file.name.rsplit(".", 1)[-1].lower()
            assert attachment.content_type == ALLOWED_UPLOADS[suffix][0]


def name_is_tame(name: str) -> bool:
    """A name the multipart parser passes on as it is, so `acceptable` can judge it."""
    return bool(name) and set(name) <= set("abcxyzæøåÆØÅ0123456789-_.") and name[0] != "."


# ---------------------------------------------------------------------------------------------
# What the fuzzing found, pinned: each of these gave a 500 (or saved half) before its fix.

BIG = 2**64


@dataclass(frozen=True)
class Found:
    """An input the fuzzing found, and what it gets now."""

    role: str
    method: str
    name: str
    data: dict | Callable[[dict], dict]
    status: int
    arguments: Callable[[dict], list] | None = None
    # Refused, with nothing saved (and said so, where the answer is a redirect).
    refused: bool = False


FOUND = {
    # The buttons' single step is taken when the count is no number.
    "a step count int() refuses": Found(
        "secretary",
        "post",
        "meetings:agenda_item_move",
        {"steps": "--1"},
        302,
        lambda w: [w["planned"].pk, w["planned_item"].pk, "ned"],
    ),
    "a superscript step count": Found(
        "secretary",
        "post",
        "meetings:agenda_item_move",
        {"steps": "²"},
        302,
        lambda w: [w["planned"].pk, w["planned_item"].pk, "opp"],
    ),
    # The first page, with a message.
    "a cursor with two minus signs": Found(
        "anonymous", "get", "meetings:meeting_list", {"etter": "--1_1"}, 200
    ),
    "a cursor with a superscript": Found(
        "anonymous", "get", "meetings:decision_list", {"for": "²_1"}, 200
    ),
    "a meeting id too large for the database (minutes)": Found(
        "anonymous", "get", "meetings:minutes_pdf", {}, 404, lambda w: [BIG]
    ),
    "a meeting id too large for the database (notice)": Found(
        "anonymous", "get", "meetings:notice_pdf", {}, 404, lambda w: [BIG]
    ),
    "a meeting id too large for the database (members' notice)": Found(
        "member", "get", "meetings:notice_pdf_members", {}, 404, lambda w: [BIG]
    ),
    "a new case for an agenda that is closed": Found(
        "secretary",
        "post",
        "meetings:agenda_item_add",
        {"new_title": "Budsjett 2027", "kind": "decision"},
        302,
        lambda w: [w["held"].pk],
        refused=True,
    ),
    "a roster row the page never showed": Found(
        "secretary",
        "post",
        "meetings:meeting_attendance",
        {"form-TOTAL_FORMS": "1"},
        422,
        lambda w: [w["held"].pk],
        refused=True,
    ),
    "a person id too large for the database": Found(
        "secretary",
        "post",
        "meetings:item_disqualified",
        {"people": [str(2**63)]},
        302,
        lambda w: [w["held_item"].pk],
        refused=True,
    ),
    "a vote count too large for the column": Found(
        "secretary",
        "post",
        "meetings:item_minutes",
        {"version": "1", "votes_for": "40000"},
        422,
        lambda w: [w["held_item"].pk],
        refused=True,
    ),
    "a meeting in year 1": Found(
        "secretary",
        "post",
        "meetings:meeting_new",
        lambda w: {"body": w["planned"].body_id, "start": "0001-01-01T00:00", "place": "Oslo"},
        200,
        refused=True,
    ),
    "a null character in the username": Found(
        "anonymous", "post", "login", {"username": "\x00", "password": "pw"}, 200, refused=True
    ),
    "a null character in the reason for cancelling": Found(
        "secretary",
        "post",
        "meetings:meeting_transition",
        {"reason": "a\x00b"},
        302,
        lambda w: [w["planned"].pk, "avlys"],
        refused=True,
    ),
}


def test_each_input_that_gave_a_500_is_answered(clients, fuzz_world, subtests):
    for case, found in FOUND.items():
        with subtests.test(case), rolled_back():
            arguments = found.arguments(fuzz_world) if found.arguments else None
            client = clients[found.role]
            client.cookies.pop("messages", None)
            before = snapshot()
            data = found.data(fuzz_world) if callable(found.data) else found.data
            response = getattr(client, found.method)(reverse(found.name, args=arguments), data)
            assert response.status_code == found.status
            assert not LoginAttempt.objects.filter(succeeded=True).exists()
            if found.refused:
                assert refused(response)
                assert snapshot() == before
