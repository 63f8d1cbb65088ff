"""A stateful test of the public record (issue 16): random sequences of the real write paths,
and after every step every anonymous surface checked against an oracle of what must be
public now.

The writes go through HTTP where the product has a page for them (the case editor and its
attachment upload, the minutes editor, the exemption in the admin's change forms, the
correction, the notice, publication and cancelling) and through the model methods otherwise
(the approval round, a supplementary item). Every text written carries a word of its own
(`kvbdk`, `kvbfk` …), so the oracle can say of each word whether the public may read it now:
it asks the domain rows — not the search rows, PDFs or tombstones under test — with the
rules of docs/security.md written out plainly here.

The surfaces: the search for every word (a private word must not be found, a public word of
a case text or of the minutes must be), the public pages (home, archives, each meeting and
case page), the Atom feed and the calendar, the text of every served PDF, the attachments,
and a walk of the whole OParl API, in which every object seen at an earlier step that is
gone now must answer `deleted: true` at its URL and be listed as deleted when the lists are
asked with `modified_since`.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
from collections import deque
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from cases.models import Attachment, Case
from meetings.models import AgendaItem, Meeting
from meetings.oparl.views import BODY_LISTS
from tests.conftest import IN_CI, skip_or_fail
from tests.factories import (
    OSLO,
    make_body,
    make_case,
    make_cooperation,
    make_item,
    make_meeting,
    make_secretary,
    make_user,
)
from tests.meetings.test_public_record_leaks import admin_form, case_form

HOST = "moter.example.no"
API = f"http://{HOST}/oparl/v1/"
State = Meeting.State
# Letters that end no Norwegian suffix the stemmer takes off, so each word is its own lexeme.
LETTERS = "bdfjkmpvwxz"
BASIS = "Offl. § 23 første ledd"


def word(n: int) -> str:
    digits = ""
    while True:
        n, rest = divmod(n, len(LETTERS))
        digits = LETTERS[rest] + digits
        if n == 0:
            break
    return f"kv{digits}k"


WORD = re.compile(r"\bkv[bdfjkmpvwxz]+k\b")


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def pdf_text(content: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode()


class PublicRecordMachine(RuleBasedStateMachine):
    """Three cases, one of them on two agendas, two meetings (the first one's notice sent)
    and a standalone item."""

    def __init__(self) -> None:
        super().__init__()
        # Each example in a savepoint of its own, rolled back at its end.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.words = 0
        self.seen_oparl: set[str] = set()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def new_word(self) -> str:
        self.words += 1
        return word(self.words)

    @initialize()
    def a_cooperation_with_cases_on_two_agendas(self) -> None:
        self.coop = make_cooperation()
        self.body = make_body(self.coop)
        secretary = make_secretary(self.coop)
        self.secretary = secretary
        self.staff = Client()
        self.staff.force_login(secretary)
        self.admin = Client()
        self.admin.force_login(make_user(is_staff=True, is_superuser=True))
        self.public = Client(HTTP_HOST=HOST)
        self.cases = [
            make_case(
                self.coop,
                title=f"Sak {self.new_word()}",
                background=f"<p>Bakgrunn {self.new_word()}.</p>",
                proposed_decision=f"<p>Forslag {self.new_word()}.</p>",
            )
            for _ in range(3)
        ]
        first = make_meeting(self.body, start=datetime.datetime(2024, 3, 14, 10, tzinfo=OSLO))
        second = make_meeting(self.body, start=datetime.datetime(2024, 4, 18, 10, tzinfo=OSLO))
        self.meetings = [first, second]
        make_item(first, case=self.cases[0])
        make_item(first, case=self.cases[1])
        make_item(first, title=f"Orientering {self.new_word()}")
        make_item(second, case=self.cases[1])
        make_item(second, case=self.cases[2])
        # The first meeting's notice is out: its agenda and case documents are public from
        # the first step, and the second meeting is still planned.
        self.move(first, "send-innkalling")

    # Helpers

    def meeting(self, n: int) -> Meeting:
        return Meeting.objects.get(pk=self.meetings[n % 2].pk)

    def case(self, n: int) -> Case:
        return Case.objects.get(pk=self.cases[n % 3].pk)

    def items(self) -> list[AgendaItem]:
        meetings = [meeting.pk for meeting in self.meetings]
        return list(AgendaItem.objects.filter(meeting__in=meetings).order_by("pk"))

    def post_case(self, case: Case, **changes) -> None:
        data = case_form(case, **changes)
        response = self.staff.post(f"/sekretariat/saksframlegg/{case.pk}/", data)
        assert response.status_code == 302, response.content.decode()[:2000]

    def admin_form(self, url: str, **changes) -> dict:
        return admin_form(self.admin, url, **changes)

    def move(self, meeting: Meeting, action: str, **data) -> None:
        response = self.staff.post(f"/sekretariat/moter/{meeting.pk}/{action}/", data)
        assert response.status_code == 302
        assert Meeting.objects.get(pk=meeting.pk).state != meeting.state, action

    def write_minutes(self, item: AgendaItem) -> None:
        response = self.staff.post(
            f"/sekretariat/saker/{item.pk}/referat/",
            {
                "version": item.version,
                "minutes_text": f"Drøftet {self.new_word()}.",
                "decision": f"Vedtak {self.new_word()}.",
                "outcome": "adopted",
                "vote": "unanimous",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    # The writes

    @rule(n=st.integers(0, 2))
    def edit_the_case_text(self, n: int) -> None:
        self.post_case(self.case(n), **{"case-background": f"<p>Endret {self.new_word()}.</p>"})

    @rule(n=st.integers(0, 2))
    def exempt_the_case_in_the_case_editor(self, n: int) -> None:
        self.post_case(
            self.case(n),
            **{
                "case-is_exempt": "on",
                "case-exemption_basis": BASIS,
                "case-public_title": "Unntatt sak",
            },
        )

    @rule(n=st.integers(0, 2))
    def release_the_case_in_the_case_editor(self, n: int) -> None:
        self.post_case(self.case(n), **{"case-is_exempt": False, "case-exemption_basis": ""})

    @rule(n=st.integers(0, 2))
    def exempt_the_case_in_the_admin(self, n: int) -> None:
        url = f"/admin/cases/case/{self.case(n).pk}/change/"
        data = self.admin_form(
            url, is_exempt="on", exemption_basis=BASIS, public_title="Unntatt i admin"
        )
        assert self.admin.post(url, data).status_code == 302

    @rule(n=st.integers(0, 4))
    def exempt_the_item_in_the_admin(self, n: int) -> None:
        item = self.items()[n]
        url = f"/admin/meetings/agendaitem/{item.pk}/change/"
        data = self.admin_form(
            url, is_exempt="on", exemption_basis=BASIS, public_title="Unntatt punkt"
        )
        response = self.admin.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]

    @rule(n=st.integers(0, 2), exempt=st.booleans())
    def attach_a_file(self, n: int, exempt: bool) -> None:
        data = {
            "vedlegg-title": f"Vedlegg {self.new_word()}",
            "vedlegg-file": SimpleUploadedFile("notat.txt", b"Et notat.", "text/plain"),
        }
        if exempt:
            data |= {"vedlegg-is_exempt": "on", "vedlegg-exemption_basis": BASIS}
        response = self.staff.post(f"/sekretariat/saksframlegg/{self.case(n).pk}/", data)
        assert response.status_code == 302

    @rule(n=st.integers(0, 1))
    def send_the_notice(self, n: int) -> None:
        meeting = self.meeting(n)
        if meeting.state == State.PLANNED:
            self.move(meeting, "send-innkalling")

    @rule(n=st.integers(0, 1))
    def write_draft_minutes(self, n: int) -> None:
        meeting = self.meeting(n)
        if meeting.state in (State.NOTICE_SENT, State.HELD):
            for item in meeting.items.order_by("pk"):
                self.write_minutes(item)

    @rule(n=st.integers(0, 1))
    def hold_approve_and_publish(self, n: int) -> None:
        meeting = self.meeting(n)
        if meeting.state not in (State.NOTICE_SENT, State.HELD):
            return
        if meeting.state == State.NOTICE_SENT:
            self.move(meeting, "avholdt")
        for item in meeting.items.order_by("pk"):
            self.write_minutes(item)
        meeting = self.meeting(n)
        deadline = timezone.localdate() + datetime.timedelta(days=14)
        meeting.send_minutes_for_approval(by=self.secretary, deadline=deadline)
        meeting.record_minutes_approved(by=self.secretary, note="Signert av møteleder.")
        self.move(meeting, "publiser")

    @rule(n=st.integers(0, 4))
    def correct_published_minutes(self, n: int) -> None:
        item = self.items()[n]
        if item.meeting.state != State.PUBLISHED:
            return
        response = self.staff.post(
            f"/sekretariat/saker/{item.pk}/rett/",
            {
                "version": item.version,
                "minutes_text": f"Rettet {self.new_word()}.",
                "decision": item.decision,
                "outcome": item.outcome,
                "vote": item.vote,
                "reason": "Feil i referatet.",
            },
        )
        assert response.status_code == 302

    @rule(n=st.integers(0, 1), c=st.integers(0, 2))
    def add_a_supplementary_item(self, n: int, c: int) -> None:
        meeting = self.meeting(n)
        if meeting.state == State.NOTICE_SENT:
            meeting.add_supplementary_item(by=self.secretary, case=self.case(c))

    @rule(n=st.integers(0, 1))
    def cancel_the_meeting(self, n: int) -> None:
        meeting = self.meeting(n)
        if meeting.state in (State.PLANNED, State.NOTICE_SENT):
            self.move(meeting, "avlys", reason="Ikke beslutningsdyktig.")

    # The oracle: which words the public may read now, from the domain rows.

    def oracle(self) -> tuple[set[str], set[str], set[str]]:
        """(public words, public words the search must find, every word written)."""
        public: set[str] = set()
        searchable: set[str] = set()
        everything = set(word(n) for n in range(1, self.words + 1))
        treated_publicly = set(
            AgendaItem.objects.filter(meeting__notice_sent_at__isnull=False).values_list(
                "case_id", flat=True
            )
        )
        for case in Case.objects.filter(pk__in=[c.pk for c in self.cases]):
            if case.pk in treated_publicly and not case.is_exempt:
                words = set(
                    WORD.findall(f"{case.title} {case.background} {case.proposed_decision}")
                )
                public |= words
                searchable |= words
                for attachment in Attachment.objects.filter(case=case, is_exempt=False):
                    public |= set(WORD.findall(attachment.title))
        for item in self.items():
            meeting = item.meeting
            withheld = item.is_exempt or bool(item.case_id and item.case.is_exempt)
            if meeting.notice_sent_at is None or withheld:
                continue
            if not item.case_id:
                words = set(WORD.findall(item.title))
                public |= words
                searchable |= words
            if meeting.state == State.PUBLISHED:
                words = set(WORD.findall(f"{item.minutes_text} {item.decision}"))
                public |= words
                searchable |= words
        return public, searchable, everything

    # The surfaces

    def pages(self) -> list[str]:
        """The text of every public page, feed, calendar, PDF and attachment answer."""
        urls = ["/", "/moter/", "/vedtak/", "/organer/", "/referater.atom"]
        urls.append(f"/samarbeid/{self.coop.slug}/kalender.ics")
        urls.append(f"/organer/{self.coop.slug}/{self.body.slug}/")
        for meeting in self.meetings:
            urls.append(f"/moter/{meeting.pk}/")
        for case in self.cases:
            urls.append(f"/saker/{self.coop.slug}/{case.year}-{case.sequence}/")
        texts = []
        for url in urls:
            response = self.public.get(url)
            assert response.status_code in (200, 404), url
            if response.status_code == 200:
                texts.append(text_of(response.content.decode()))
        for meeting in self.meetings:
            for name in ("innkalling.pdf", "referat.pdf"):
                response = self.public.get(f"/moter/{meeting.pk}/{name}")
                if response.status_code == 200:
                    texts.append(pdf_text(b"".join(response.streaming_content)))
        return texts

    def attachments_are_served_as_public(self, public: set[str]) -> None:
        for attachment in Attachment.objects.filter(case__in=[c.pk for c in self.cases]):
            case = attachment.case
            url = f"/saker/{self.coop.slug}/{case.year}-{case.sequence}/vedlegg/{attachment.pk}/"
            served = self.public.get(url).status_code == 200
            should = bool(set(WORD.findall(attachment.title)) & public)
            assert served == should, (attachment.title, served)

    def oparl(self) -> str:
        """Walk the whole API; every object seen before and gone now answers deleted."""
        documents, queue = {}, deque([API + "system"])
        while queue:
            url = queue.popleft()
            if url in documents or not url.startswith(API):
                continue
            response = self.public.get(url)
            assert response.status_code == 200, url
            documents[url] = response.json()
            queue.extend(re.findall(rf'"({re.escape(API)}[^"]+)"', json.dumps(documents[url])))
        objects = {url for url, document in documents.items() if "id" in document}
        gone = self.seen_oparl - objects
        for url in gone:
            answer = self.public.get(url)
            assert answer.status_code == 200 and answer.json().get("deleted") is True, url
        # A client syncing with modified_since learns of each from the lists too.
        missing = gone - self.withdrawn_in_lists() if gone else set()
        assert not missing, f"withdrawn, but in no modified_since list: {sorted(missing)}"
        self.seen_oparl |= {u for u in objects if "deleted" not in documents[u]}
        return json.dumps(list(documents.values()), ensure_ascii=False)

    def withdrawn_in_lists(self) -> set[str]:
        """The objects the cooperation's lists say are deleted, asked with modified_since."""
        found = set()
        for name in BODY_LISTS:
            page = self.public.get(
                f"{API}body/{self.coop.pk}/{name}", {"modified_since": "2000-01-01T00:00:00+00:00"}
            ).json()
            while True:
                found |= {obj["id"] for obj in page["data"] if obj.get("deleted")}
                if "next" not in page["links"]:
                    break
                page = self.public.get(page["links"]["next"]).json()
        return found

    @invariant()
    def every_surface_shows_exactly_what_is_public(self) -> None:
        if not hasattr(self, "coop"):
            return
        public, searchable, everything = self.oracle()
        private = everything - public
        shown = "\n".join([*self.pages(), self.oparl()])
        leaked = {w for w in WORD.findall(shown) if w in private}
        assert not leaked, f"private words shown: {sorted(leaked)}"
        for w in everything:
            hits = self.public.get("/sok/", {"q": w}).context["results"].hits
            if w in private:
                assert not hits, f"{w} is private and was found"
            elif w in searchable:
                assert hits, f"{w} is public and was not found"
        self.attachments_are_served_as_public(public)


@pytest.mark.postgres
@pytest.mark.renders_pdfs
@pytest.mark.django_db
def test_every_anonymous_surface_shows_what_is_public_after_every_write(settings, tmp_path):
    if not shutil.which("pdftotext"):
        skip_or_fail("needs pdftotext (apt-get install poppler-utils)")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    settings.MEDIA_ROOT = tmp_path
    run_state_machine_as_test(
        PublicRecordMachine,
        settings=settings_for_the_machine(),
    )


def settings_for_the_machine() -> settings:
    # Each step renders PDFs (the immediate task backend) and walks every surface: a few
    # seconds a step. CI runs the same examples every time (derandomize), so a red run is
    # reproducible; locally each run explores anew.
    return settings(
        max_examples=10,
        stateful_step_count=12,
        deadline=None,
        derandomize=IN_CI,
        database=None if IN_CI else settings.default.database,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
