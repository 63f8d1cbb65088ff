"""The benchmark's dataset: 100k cases, 10k meetings of 50 bodies over 10 years, 1M minute
paragraphs, attendance and votes (a tenth of that in quick mode), written with COPY.

Run it against a database of its own (it refuses one that holds other data):

    DJANGO_SETTINGS_MODULE=cooperation.settings \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cooperation_bench \\
        python -m bench.generate [--quick] [--force]

`make bench` creates and migrates the database first. The data is reused when the table
`bench_dataset` says it was made by this generator version, at this scale, on this schema
(the applied migrations); otherwise the tables are emptied and it is made again.

Then the search index is built the way `meetings.search.rebuild_index` builds it, but in SQL
(INSERT … SELECT) instead of one Python object per row; a sample of rows is checked against
what `meetings.search` itself makes of the same items and cases (`verify_index`).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from collections import defaultdict, deque
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

# The generator version: change it whenever the data it makes changes.
VERSION = "2026-11-24.1"
OSLO = ZoneInfo("Europe/Oslo")
UTC = dt.UTC


@dataclass(frozen=True)
class Scale:
    name: str
    meetings: int
    cases: int
    paragraphs: int  # minute paragraphs, over all items of held meetings
    big_meetings: int  # published meetings with exactly 30 items
    big_held: int = 2  # held meetings of 30 items, whose minutes the secretariat writes
    big_planned: int = 8  # planned meetings of 30 items, whose agenda it reorders
    big_100: int = 1  # published meetings of 100 items (the long minutes PDF)
    # Held council meetings of 30 items (about 20 attendance rows each), one per client of
    # the attendance save, and meetings of 30 items whose minutes are out for approval.
    attendance_held: int = 16
    big_approval: int = 2
    cooperations: int = 5
    years: int = 10
    seed: int = 20261123


FULL = Scale("full", meetings=10_000, cases=100_000, paragraphs=1_000_000, big_meetings=20)
QUICK = Scale("quick", meetings=1_000, cases=10_000, paragraphs=100_000, big_meetings=5)
SCALES = {"full": FULL, "quick": QUICK}

# Share of cases treated by a second body (administrative group -> board -> council …).
SECOND_TREATMENT = 0.09
BIG_MEETING_ITEMS = 30

COOPERATIONS = [
    ("Fjordregionen interkommunale politiske råd", "Fjordregionen", "fjordregionen"),
    ("Innlandsrådet", "Innlandsrådet", "innlandsradet"),
    ("Agdersamarbeidet", "Agdersamarbeidet", "agdersamarbeidet"),
    ("Nordlandsnettverket", "Nordlandsnettverket", "nordlandsnettverket"),
    ("Trøndelagsforum for regional utvikling", "Trøndelagsforum", "trondelagsforum"),
]
MUNICIPALITIES = [
    "Askvoll",
    "Aurland",
    "Bremanger",
    "Fjaler",
    "Gloppen",
    "Gulen",
    "Hyllestad",
    "Høyanger",
    "Kinn",
    "Luster",
    "Lærdal",
    "Masfjorden",
    "Modalen",
    "Sogndal",
    "Solund",
    "Stad",
    "Stryn",
    "Sunnfjord",
    "Vik",
    "Årdal",
    "Alvdal",
    "Dovre",
    "Eidskog",
    "Elverum",
    "Engerdal",
    "Etnedal",
    "Folldal",
    "Gausdal",
    "Grue",
    "Hamar",
    "Kongsvinger",
    "Lesja",
    "Lillehammer",
    "Lom",
    "Løten",
    "Nord-Fron",
    "Nord-Odal",
    "Rendalen",
    "Ringebu",
    "Ringsaker",
    "Sel",
    "Skjåk",
    "Stange",
    "Stor-Elvdal",
    "Tolga",
    "Trysil",
    "Tynset",
    "Vågå",
    "Åmot",
    "Arendal",
    "Birkenes",
    "Bygland",
    "Bykle",
    "Evje",
    "Farsund",
    "Flekkefjord",
    "Froland",
    "Gjerstad",
    "Grimstad",
    "Hægebostad",
    "Iveland",
    "Kristiansand",
    "Kvinesdal",
    "Lillesand",
    "Lindesnes",
    "Lyngdal",
    "Risør",
    "Sirdal",
    "Tvedestrand",
    "Valle",
    "Vegårshei",
    "Vennesla",
    "Åmli",
    "Alstahaug",
    "Andøy",
    "Beiarn",
    "Bodø",
    "Brønnøy",
    "Fauske",
    "Gildeskål",
    "Hadsel",
    "Hamarøy",
    "Hemnes",
    "Leirfjord",
    "Lurøy",
    "Meløy",
    "Narvik",
    "Rana",
    "Saltdal",
    "Sortland",
    "Steigen",
    "Sørfold",
    "Vefsn",
    "Vestvågøy",
    "Vågan",
    "Frøya",
    "Hitra",
    "Holtålen",
    "Indre",
    "Malvik",
    "Melhus",
    "Midtre",
    "Oppdal",
    "Orkland",
    "Rennebu",
    "Røros",
    "Selbu",
    "Skaun",
    "Trondheim",
    "Tydal",
    "Ørland",
    "Åfjord",
]
COUNTIES = ["Vestland", "Innlandet", "Agder", "Nordland", "Trøndelag"]
FIRST_NAMES = [
    "Anne",
    "Inger",
    "Kari",
    "Marit",
    "Ingrid",
    "Liv",
    "Eva",
    "Berit",
    "Astrid",
    "Bjørg",
    "Hilde",
    "Anna",
    "Solveig",
    "Marianne",
    "Randi",
    "Ida",
    "Nina",
    "Ragnhild",
    "Elisabeth",
    "Kristin",
    "Tone",
    "Heidi",
    "Silje",
    "Ingunn",
    "Jan",
    "Per",
    "Bjørn",
    "Ole",
    "Lars",
    "Kjell",
    "Knut",
    "Arne",
    "Svein",
    "Thomas",
    "Hans",
    "Geir",
    "Tor",
    "Morten",
    "Terje",
    "Odd",
    "Erik",
    "Martin",
    "Andreas",
    "John",
    "Trond",
    "Rune",
    "Jon",
    "Espen",
    "Anders",
    "Øystein",
    "Håkon",
    "Sindre",
    "Eirik",
    "Vegard",
    "Torstein",
    "Gunhild",
    "Synnøve",
]
LAST_NAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Jakobsen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Svendsen",
    "Eide",
    "Knutsen",
    "Martinsen",
    "Paulsen",
    "Bakken",
    "Kristoffersen",
    "Mathisen",
    "Lie",
    "Amundsen",
    "Nguyen",
    "Rasmussen",
    "Ali",
    "Lunde",
    "Solheim",
    "Berge",
    "Moe",
    "Nygård",
    "Bakke",
    "Kristensen",
    "Fredriksen",
    "Holm",
    "Lien",
    "Hauge",
    "Christensen",
    "Andresen",
    "Nielsen",
    "Knudsen",
    "Evensen",
    "Sæther",
    "Aas",
    "Myhre",
    "Hanssen",
    "Ahmed",
    "Haugland",
    "Thomassen",
    "Sivertsen",
    "Simonsen",
    "Danielsen",
    "Berntsen",
    "Sandvik",
    "Rønning",
    "Arnesen",
    "Antonsen",
    "Næss",
    "Vik",
    "Haug",
    "Ellingsen",
    "Thorsen",
    "Edvardsen",
    "Birkeland",
    "Isaksen",
    "Gulbrandsen",
    "Ruud",
    "Aasen",
    "Strøm",
    "Myklebust",
]
STAFF_TITLES = ["Daglig leder", "Rådgiver", "Seniorrådgiver", "Prosjektleder"]
LEGAL_BASES = [
    "Offl. § 13 jf. fvl. § 13 første ledd nr. 1",
    "Offl. § 14 første ledd",
    "Offl. § 15 første ledd",
    "Offl. § 23 første ledd",
    "Offl. § 25",
]

# (slug, name, kind, political, numbering, approval rule, information item, AOB, weight)
BODIES = [
    (
        "representantskapet",
        "Representantskapet",
        "council",
        True,
        "yearly",
        "chair_and_members",
        True,
        True,
        4,
    ),
    ("styret", "Styret", "board", True, "yearly", "chair_and_members", False, True, 9),
    (
        "administrativ-gruppe",
        "Administrativ gruppe",
        "administrative_group",
        False,
        "per_meeting",
        "next_meeting",
        True,
        True,
        10,
    ),
    (
        "faggruppe-naering",
        "Faggruppe for næringsutvikling",
        "expert_group",
        False,
        "yearly",
        "next_meeting",
        True,
        False,
        8,
    ),
    (
        "faggruppe-kompetanse",
        "Faggruppe for kompetanse",
        "expert_group",
        False,
        "per_meeting",
        "next_meeting",
        True,
        False,
        8,
    ),
    (
        "faggruppe-samferdsel",
        "Faggruppe for samferdsel",
        "expert_group",
        False,
        "per_meeting",
        "chair",
        True,
        False,
        7,
    ),
    (
        "faggruppe-klima",
        "Faggruppe for klima og miljø",
        "expert_group",
        False,
        "per_meeting",
        "chair",
        True,
        False,
        7,
    ),
    (
        "arbeidsgruppe-strategi",
        "Arbeidsgruppe for regional strategi",
        "working_group",
        False,
        "per_meeting",
        "chair",
        False,
        False,
        5,
    ),
    (
        "arbeidsgruppe-sirkular",
        "Arbeidsgruppe for sirkulær økonomi",
        "working_group",
        False,
        "per_meeting",
        "chair",
        False,
        False,
        5,
    ),
    (
        "arbeidsgruppe-talent",
        "Arbeidsgruppe for talentattraksjon",
        "working_group",
        False,
        "per_meeting",
        "chair",
        False,
        False,
        4,
    ),
]
# Where a case goes next when a second body treats it.
NEXT_BODY = {
    "administrativ-gruppe": "styret",
    "styret": "representantskapet",
    "faggruppe-naering": "administrativ-gruppe",
    "faggruppe-kompetanse": "administrativ-gruppe",
    "faggruppe-samferdsel": "administrativ-gruppe",
    "faggruppe-klima": "administrativ-gruppe",
    "arbeidsgruppe-strategi": "styret",
    "arbeidsgruppe-sirkular": "faggruppe-klima",
    "arbeidsgruppe-talent": "faggruppe-kompetanse",
    "representantskapet": "styret",
}
# Seats per body kind: (voting members besides chair and deputy chair, deputies).
SEATS = {
    "council": (None, None),  # one member and one deputy per member organisation
    "board": (5, 3),
    "administrative_group": (8, 0),
    "expert_group": (7, 0),
    "working_group": (3, 0),
}
CASE_KINDS = [
    ("decision", 60),
    ("information", 20),
    ("discussion", 10),
    ("report", 5),
    ("election", 5),
]
PLACES = [
    "Rådhuset, møterom 1",
    "Fylkeshuset",
    "Teams",
    "Kommunestyresalen",
    "Sekretariatets lokaler",
]


def log(message: str) -> None:
    print(f"[generate {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


# The plan: every row's keys and facts, decided before any text is written


@dataclass
class Body:
    id: int
    cooperation: int
    slug: str
    kind: str
    political: bool
    numbering: str
    approval: str
    info: bool
    aob: bool
    weight: int
    roster: dict = field(default_factory=dict)  # term start -> [(role, person id, org id)]


@dataclass
class MeetingPlan:
    id: int
    body: Body
    start: dt.datetime
    end: dt.datetime
    state: str
    notice_sent_at: dt.datetime | None
    published_at: dt.datetime | None
    slots: int = 0  # case items
    big: int = 0  # a meeting of exactly this many items (0: as drawn)
    corrected_at: dt.datetime | None = None  # published minutes formally corrected since

    @property
    def approved_at(self) -> dt.datetime | None:
        """Approved (a constraint for approved and published minutes): a few days before
        publication."""
        if self.state not in ("approved", "published"):
            return None
        return (self.published_at or self.start + dt.timedelta(days=14)) - dt.timedelta(days=3)

    @property
    def sent_for_approval(self) -> dt.datetime:
        return self.end + dt.timedelta(days=2)


@dataclass
class CasePlan:
    id: int
    cooperation: int
    kind: str
    created: dt.datetime
    exempt: bool
    year: int = 0
    sequence: int = 0


def latest(meetings: list, n: int) -> list:
    """The last n of a list in date order (none for n = 0)."""
    return meetings[len(meetings) - n :] if n > 0 else []


def weekday_choices(rng: random.Random, first: dt.date, last: dt.date, n: int) -> list[dt.date]:
    days = [first + dt.timedelta(d) for d in range((last - first).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    if n <= len(days):
        return sorted(rng.sample(days, n))
    return sorted(rng.choices(days, k=n))


class Plan:
    """Decides every row of the dataset (ids, dates, states, links) without its text."""

    def __init__(self, scale: Scale, now: dt.datetime) -> None:
        self.scale = scale
        self.now = now
        self.rng = random.Random(scale.seed)
        today = now.astimezone(OSLO).date()
        self.first_day = dt.date(today.year - scale.years, today.month, 1)
        self.last_day = today + dt.timedelta(days=75)
        self.cooperations: list[tuple] = []
        self.organisations: list[tuple] = []
        self.org_ids: dict[int, list[int]] = defaultdict(list)
        self.persons: list[tuple] = []
        self.staff: dict[int, list[int]] = defaultdict(list)
        self.bodies: list[Body] = []
        self.memberships: list[tuple] = []
        self.meetings: list[MeetingPlan] = []
        self.cases: list[CasePlan] = []
        # Items: (meeting plan, position, kind, case id or None, title, standard)
        self.items: list[tuple] = []
        self.terms = self._terms()

    def _terms(self) -> list[dt.date]:
        """Municipal terms start on 1 November after an election (2015, 2019, 2023 …)."""
        year = self.first_day.year
        while year % 4 != 3 or dt.date(year, 11, 1) > self.first_day:
            year -= 1
        starts = []
        while dt.date(year, 11, 1) <= self.last_day:
            starts.append(dt.date(year, 11, 1))
            year += 4
        return starts

    def term_of(self, day: dt.date) -> dt.date:
        return self.terms[bisect.bisect_right(self.terms, day) - 1]

    def person(self, cooperation: int, org: int | None, title: str = "") -> int:
        rng = self.rng
        pid = len(self.persons) + 1
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if rng.random() < 0.3:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {name.split()[-1]}"
        self.persons.append((pid, cooperation, name, title, org))
        return pid

    def build(self) -> None:
        municipalities = list(MUNICIPALITIES)
        per_coop = len(municipalities) // len(COOPERATIONS)
        for c in range(self.scale.cooperations):
            cid = c + 1
            self.cooperations.append((cid, *COOPERATIONS[c]))
            names = [f"{m} kommune" for m in municipalities[c * per_coop : (c + 1) * per_coop]]
            names = names[:16] + [f"{COUNTIES[c]} fylkeskommune"]
            for name in names:
                oid = len(self.organisations) + 1
                kind = "county" if "fylkeskommune" in name else "municipality"
                self.organisations.append((oid, cid, name, kind))
                self.org_ids[cid].append(oid)
            for title in STAFF_TITLES:
                self.staff[cid].append(self.person(cid, None, title))
            for spec in BODIES:
                body = Body(len(self.bodies) + 1, cid, *spec[:1], *spec[2:])
                self.bodies.append(body)
                self._roster(body)
        self._meetings()
        self._agendas()

    def _roster(self, body: Body) -> None:
        """The body's members per term; about 60% carry on into the next term."""
        rng, orgs = self.rng, self.org_ids[body.cooperation]
        if body.kind == "council":
            seats = [(org, "member") for org in orgs] + [(org, "deputy") for org in orgs]
        else:
            members, deputies = SEATS[body.kind]
            seats = [(rng.choice(orgs), "member") for _ in range(members + 2)]
            seats += [(rng.choice(orgs), "deputy") for _ in range(deputies)]
        holders: list[int | None] = [None] * len(seats)
        for index, term in enumerate(self.terms):
            end = (
                self.terms[index + 1] - dt.timedelta(days=1)
                if index + 1 < len(self.terms)
                else None
            )
            roster = []
            for seat, (org, role) in enumerate(seats):
                if holders[seat] is None or rng.random() > 0.6:
                    holders[seat] = self.person(body.cooperation, org)
                if seat == 0:
                    role = "chair"
                elif seat == 1:
                    role = "deputy_chair"
                roster.append((role, holders[seat], org))
                mid = len(self.memberships) + 1
                self.memberships.append((mid, body.id, holders[seat], role, org, term, end))
            body.roster[term] = roster

    def _meetings(self) -> None:
        rng, scale = self.rng, self.scale
        total_weight = sum(b.weight for b in self.bodies)
        counts = [scale.meetings * b.weight // total_weight for b in self.bodies]
        for i in rng.sample(range(len(self.bodies)), scale.meetings - sum(counts)):
            counts[i] += 1
        plans = []
        for body, count in zip(self.bodies, counts, strict=True):
            for day in weekday_choices(rng, self.first_day, self.last_day, count):
                hour = rng.choice([9, 10, 12, 13])
                start = dt.datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)
                end = start + dt.timedelta(hours=rng.choice([2, 3, 3, 4, 5]))
                plans.append((start, body, end))
        plans.sort(key=lambda p: (p[0], p[1].id))
        now = self.now
        for start, body, end in plans:
            notice = start - dt.timedelta(days=rng.randint(8, 14))
            published = None
            age = (now - end).days
            if start > now:
                state = "notice_sent" if notice <= now else "planned"
            elif rng.random() < 0.03:
                state = "cancelled"
            elif age < 7:
                state = "held"
            elif age < 20:
                state = "in_approval"
            elif age < 35:
                state = "approved"
            else:
                state = "published"
                published = end + dt.timedelta(days=rng.randint(14, 34))
            if state == "planned" or (state == "cancelled" and rng.random() < 0.5):
                notice = None
            self.meetings.append(
                MeetingPlan(len(self.meetings) + 1, body, start, end, state, notice, published)
            )
        published = [m for m in self.meetings if m.state == "published" and m.body.political]
        for meeting in rng.sample(published, scale.big_meetings + scale.big_100):
            meeting.big = BIG_MEETING_ITEMS
        for meeting in [m for m in published if m.big][: scale.big_100]:
            meeting.big = 100
        # For the secretariat's saves: the latest past meetings of political bodies are still
        # being written up (held), and some meetings weeks ahead are being planned.
        past = [m for m in self.meetings if m.end < now and m.state != "cancelled" and not m.big]
        for meeting in latest([m for m in past if m.body.political], scale.big_held):
            meeting.big, meeting.state, meeting.published_at = BIG_MEETING_ITEMS, "held", None
        # Minutes out for approval (the member's page computes their digest), and council
        # meetings whose attendance (about 20 rows) the secretariat saves: older than those.
        for meeting in latest(
            [m for m in past if m.body.political and not m.big], scale.big_approval
        ):
            meeting.big, meeting.state = BIG_MEETING_ITEMS, "in_approval"
            meeting.published_at = None
        for meeting in latest(
            [m for m in past if m.body.kind == "council" and not m.big], scale.attendance_held
        ):
            meeting.big, meeting.state, meeting.published_at = BIG_MEETING_ITEMS, "held", None
        ahead = [m for m in self.meetings if m.start > now + dt.timedelta(days=16)]
        for meeting in rng.sample(ahead, min(scale.big_planned, len(ahead))):
            meeting.big, meeting.state, meeting.notice_sent_at = BIG_MEETING_ITEMS, "planned", None
        # About one published meeting in a hundred has had its minutes formally corrected
        # (its own generator: the other draws do not depend on it).
        fix = random.Random(scale.seed + 3)
        for meeting in self.meetings:
            if meeting.state == "published" and fix.random() < 0.01:
                later = meeting.published_at + dt.timedelta(days=fix.randint(3, 120))
                meeting.corrected_at = min(later, now)

    def standard_items(self, meeting: MeetingPlan) -> tuple[list, list]:
        """Standard items before and after the cases: (kind, title, previous meeting)."""
        body = meeting.body
        before = [("formality", "Godkjenning av innkalling og saksliste", None)]
        if body.approval == "next_meeting":
            before.append(("formality", "Godkjenning av protokoll fra forrige møte", "previous"))
        after = []
        if body.info:
            after.append(("information", "Orienteringer", None))
        if body.aob:
            after.append(("aob", "Eventuelt", None))
        return before, after

    def _agendas(self) -> None:
        rng, scale = self.rng, self.scale
        for meeting in self.meetings:
            if meeting.big:
                before, after = self.standard_items(meeting)
                meeting.slots = meeting.big - len(before) - len(after)
        big_slots = sum(m.slots for m in self.meetings if m.big)
        slots = round(scale.cases / (1 - SECOND_TREATMENT)) - big_slots
        others = [m for m in self.meetings if not m.big]
        mean = slots / len(others)
        for meeting in others:
            meeting.slots = max(1, round(rng.gauss(mean, mean / 2.5)))
        diff = slots - sum(m.slots for m in others)
        while diff:
            meeting = rng.choice(others)
            if diff > 0:
                meeting.slots += 1
                diff -= 1
            elif meeting.slots > 1:
                meeting.slots -= 1
                diff += 1
        self._cases_and_items(slots + big_slots)

    def _cases_and_items(self, total_slots: int) -> None:
        """Walk the meetings in date order, filling each agenda with new cases and cases
        sent on from another body; exactly `scale.cases` cases when the slots allow it."""
        rng, scale = self.rng, self.scale
        by_slug = {(b.cooperation, b.slug): b for b in self.bodies}
        queues: dict[int, deque] = defaultdict(deque)  # body id -> (case id, not before)
        previous: dict[int, MeetingPlan] = {}
        kinds, weights = zip(*CASE_KINDS, strict=True)
        remaining_slots, remaining_cases = total_slots, scale.cases
        for meeting in self.meetings:
            before, after = self.standard_items(meeting)
            position = 0
            for kind, title, prev in before:
                position += 1
                prev_id = (
                    previous[meeting.body.id].id if prev and meeting.body.id in previous else None
                )
                self.items.append((meeting, position, kind, None, title, prev_id))
            queue = queues[meeting.body.id]
            for _ in range(meeting.slots):
                position += 1
                take = (
                    queue
                    and queue[0][1] < meeting.start
                    and (remaining_slots > remaining_cases or remaining_cases == 0)
                )
                if take:
                    case_id = queue.popleft()[0]
                else:
                    created = meeting.start - dt.timedelta(days=rng.randint(10, 60))
                    case = CasePlan(
                        len(self.cases) + 1,
                        meeting.body.cooperation,
                        rng.choices(kinds, weights)[0],
                        created,
                        exempt=rng.random() < 0.02,
                    )
                    self.cases.append(case)
                    case_id = case.id
                    remaining_cases -= 1
                    if rng.random() < SECOND_TREATMENT * 1.6:
                        target = by_slug[(meeting.body.cooperation, NEXT_BODY[meeting.body.slug])]
                        queues[target.id].append((case_id, meeting.end))
                remaining_slots -= 1
                self.items.append(
                    (meeting, position, self.cases[case_id - 1].kind, case_id, "", None)
                )
            for kind, title, _prev in after:
                position += 1
                self.items.append((meeting, position, kind, None, title, None))
            previous[meeting.body.id] = meeting
        # Case references: per cooperation and year, in the order the cases were created.
        counters: dict[tuple, int] = defaultdict(int)
        for case in sorted(self.cases, key=lambda c: (c.created, c.id)):
            case.year = case.created.astimezone(OSLO).year
            counters[(case.cooperation, case.year)] += 1
            case.sequence = counters[(case.cooperation, case.year)]


# Writing


HELD_STATES = {"held", "in_approval", "approved", "published"}
APPROVAL_STATES = {"in_approval", "approved", "published"}


def approval_deadline(meeting: MeetingPlan, now: dt.datetime) -> dt.date | None:
    """Minutes out for approval by the chair (and members): two weeks, and still open."""
    if meeting.state != "in_approval" or meeting.body.approval == "next_meeting":
        return None
    two_weeks = (meeting.sent_for_approval + dt.timedelta(days=14)).astimezone(OSLO).date()
    return max(two_weeks, (now + dt.timedelta(days=5)).astimezone(OSLO).date())


def approved_digest(meeting: MeetingPlan) -> str:
    """The SHA-256 recorded on approval (of a text we do not rebuild here: only its form)."""
    if meeting.approved_at is None:
        return ""
    return hashlib.sha256(f"minutes {meeting.id}".encode()).hexdigest()


def fake_sha(label: str, length: int = 64) -> str:
    digest = hashlib.sha512(label.encode()).hexdigest()
    return digest[:length]


def conninfo() -> str:
    """The Django database's connection string, for psycopg connections of our own."""
    from django.db import connection
    from psycopg.conninfo import make_conninfo

    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"],
        "port": settings["PORT"],
    }
    return make_conninfo(**{k: str(v) for k, v in params.items() if v})


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def paragraph_counts(rng: random.Random, weights: list[float], total: int) -> list[int]:
    """Whole paragraphs per item, in proportion to noisy weights, summing exactly to total."""
    raw = [w * rng.lognormvariate(0, 0.6) for w in weights]
    factor = total / sum(raw)
    counts = [int(r * factor) for r in raw]
    rest = total - sum(counts)
    order = sorted(range(len(raw)), key=lambda i: raw[i] * factor - counts[i], reverse=True)
    for i in order[:rest]:
        counts[i] += 1
    return counts


def write_dataset(conn, plan: Plan) -> dict[str, int]:
    from .textgen import TextMaker, Vocabulary

    rng = random.Random(plan.scale.seed + 1)
    text = TextMaker(Vocabulary.build(), seed=plan.scale.seed + 2)
    now = plan.now
    counts: dict[str, int] = {}
    cur = conn.cursor()

    def put(table, columns, rows):
        started = time.perf_counter()
        counts[table] = copy_rows(cur, table, columns, rows)
        log(f"{table}: {counts[table]:,} rows in {time.perf_counter() - started:.1f} s")

    stamp = now
    put(
        "cooperation_cooperation",
        ["id", "created", "modified", "name", "short_name", "slug", "description", "website"],
        (
            (cid, stamp, stamp, name, short, slug, "", "")
            for cid, name, short, slug in plan.cooperations
        ),
    )
    put(
        "cooperation_organisation",
        [
            "id",
            "created",
            "modified",
            "name",
            "kind",
            "org_number",
            "is_member",
            "cooperation_id",
            "part_of_id",
        ],
        (
            (oid, stamp, stamp, name, kind, "", True, cid, None)
            for oid, cid, name, kind in plan.organisations
        ),
    )
    put(
        "cooperation_person",
        [
            "id",
            "created",
            "modified",
            "name",
            "email",
            "title",
            "cooperation_id",
            "organisation_id",
            "user_id",
        ],
        (
            (pid, stamp, stamp, name, "", title, cid, org, None)
            for pid, cid, name, title, org in plan.persons
        ),
    )
    established = dt.date(plan.terms[0].year - 4, 1, 1)
    board_of = {b.cooperation: b.id for b in plan.bodies if b.slug == "styret"}
    names = {slug: name for slug, name, *_ in BODIES}
    put(
        "cooperation_body",
        [
            "id",
            "created",
            "modified",
            "name",
            "short_name",
            "slug",
            "kind",
            "is_political",
            "numbering",
            "approval_rule",
            "approvers_count",
            "has_information_item",
            "has_any_other_business",
            "established",
            "dissolved",
            "parent_id",
            "cooperation_id",
        ],
        (
            (
                b.id,
                stamp,
                stamp,
                names[b.slug],
                "",
                b.slug,
                b.kind,
                b.political,
                b.numbering,
                b.approval,
                2,
                b.info,
                b.aob,
                established,
                None,
                board_of[b.cooperation] if b.kind == "working_group" else None,
                b.cooperation,
            )
            for b in plan.bodies
        ),
    )
    mandate_rows = []
    for body in plan.bodies:
        for n, valid_from in enumerate([established, plan.terms[-1]][: rng.randint(1, 2)]):
            mandate_rows.append(
                (
                    len(mandate_rows) + 1,
                    stamp,
                    stamp,
                    text.paragraphs(2 + n),
                    valid_from,
                    f"{names[body.slug]}, sak {rng.randint(1, 40)}/{valid_from.year % 100:02d}",
                    body.id,
                )
            )
    put(
        "cooperation_mandateversion",
        ["id", "created", "modified", "text", "valid_from", "adopted_by", "body_id"],
        mandate_rows,
    )
    put(
        "cooperation_membership",
        [
            "id",
            "created",
            "modified",
            "role",
            "start",
            '"end"',
            "is_lead",
            "body_id",
            "on_behalf_of_id",
            "person_id",
        ],
        (
            (mid, stamp, stamp, role, start, end, False, body, org, person)
            for mid, body, person, role, org, start, end in plan.memberships
        ),
    )

    # Cases, with their documents; proposed decisions are kept for the items' decisions.
    proposed: dict[int, str] = {}
    titles: dict[int, str] = {}

    def case_rows():
        for case in plan.cases:
            title = text.title(case.year)
            titles[case.id] = title
            decision = text.paragraphs(rng.choice([1, 1, 1, 2]))
            proposed[case.id] = decision
            background = text.paragraphs(rng.choice([1, 1, 2, 2, 3]))
            assessment = text.paragraphs(rng.choice([0, 1, 1, 2]))
            basis = rng.choice(LEGAL_BASES) if case.exempt else ""
            public_title = "Personalsak" if case.exempt else ""
            staff = plan.staff[case.cooperation]
            yield (
                case.id,
                case.created,
                case.created,
                case.exempt,
                basis,
                case.year,
                case.sequence,
                case.kind,
                title,
                public_title,
                decision,
                background,
                assessment,
                "",
                case.cooperation,
                None,
                rng.choice(staff),
            )

    put(
        "cases_case",
        [
            "id",
            "created",
            "modified",
            "is_exempt",
            "exemption_basis",
            "year",
            "sequence",
            "kind",
            "title",
            "public_title",
            "proposed_decision",
            "background",
            "assessment",
            "external_references",
            "cooperation_id",
            "created_by_id",
            "responsible_id",
        ],
        case_rows(),
    )
    attachments = []
    for case in plan.cases:
        for position in range(rng.choice([0, 0, 0, 1, 1, 2])):
            basis = rng.choice(LEGAL_BASES) if case.exempt else ""
            attachments.append(
                (
                    len(attachments) + 1,
                    case.created,
                    case.created,
                    case.exempt,
                    basis,
                    f"Vedlegg {position + 1}",
                    f"cases/{case.cooperation}/{case.id}/vedlegg-{position + 1}.pdf",
                    "application/pdf",
                    rng.randint(40_000, 4_000_000),
                    position,
                    case.id,
                )
            )
    put(
        "cases_attachment",
        [
            "id",
            "created",
            "modified",
            "is_exempt",
            "exemption_basis",
            "title",
            "file",
            "content_type",
            "size",
            "position",
            "case_id",
        ],
        attachments,
    )
    put(
        "meetings_meeting",
        [
            "id",
            "created",
            "modified",
            "title",
            "start",
            '"end"',
            "place",
            "video_url",
            "state",
            "notice_sent_at",
            "published_at",
            "approved_at",
            "approval_rule",
            "approval_deadline",
            "approved_digest",
            "corrected_at",
            "cancelled_reason",
            "body_id",
        ],
        (
            (
                m.id,
                m.start - dt.timedelta(days=30),
                m.published_at or m.notice_sent_at or m.start,
                "",
                m.start,
                m.end,
                rng.choice(PLACES),
                "",
                m.state,
                m.notice_sent_at,
                m.published_at,
                m.approved_at,
                # The body's rule, copied when the minutes went out for approval.
                m.body.approval if m.state in APPROVAL_STATES else "",
                approval_deadline(m, now),
                approved_digest(m),
                m.corrected_at,
                "Møtet ble avlyst." if m.state == "cancelled" else "",
                m.body.id,
            )
            for m in plan.meetings
        ),
    )

    # Items. Numbers are given when the notice is sent: per body and year, or per meeting.
    minute_items = [
        i for i, (m, _p, kind, _c, _t, _prev) in enumerate(plan.items) if m.state in HELD_STATES
    ]
    weight = {"formality": 0.15, "aob": 0.3, "information": 1.5}
    paragraphs = dict(
        zip(
            minute_items,
            paragraph_counts(
                rng,
                [weight.get(plan.items[i][2], 1.0) for i in minute_items],
                plan.scale.paragraphs,
            ),
            strict=True,
        )
    )
    numbers: dict[tuple, int] = defaultdict(int)
    exempt_case = {c.id for c in plan.cases if c.exempt}
    item_facts = []  # (item id, meeting plan, case id, outcome) for attendance and follow-ups
    corrected: dict[int, tuple] = {}  # meeting id -> (item id, decision, a case item)

    def item_rows():
        for index, (meeting, position, kind, case_id, title, prev_id) in enumerate(plan.items):
            item_id = index + 1
            year = sequence = None
            if meeting.notice_sent_at:
                if meeting.body.numbering == "yearly":
                    year = meeting.start.astimezone(OSLO).year
                    numbers[(meeting.body.id, year)] += 1
                    sequence = numbers[(meeting.body.id, year)]
                else:
                    sequence = position
            minutes = decision = outcome = vote = ""
            votes = (None, None, None)
            if meeting.state in HELD_STATES:
                minutes = text.paragraphs(paragraphs[index])
                if kind == "formality":
                    decision = (
                        "Protokollen ble godkjent."
                        if prev_id
                        else "Innkalling og saksliste ble godkjent."
                    )
                    outcome, vote = "adopted", "unanimous"
                elif kind in ("information", "report", "aob"):
                    decision = "Saken ble tatt til orientering." if kind != "aob" else ""
                    outcome = "noted" if kind != "aob" else ""
                elif kind == "discussion":
                    decision = text.paragraphs(1) if rng.random() < 0.5 else ""
                    outcome = "discussed"
                else:
                    r = rng.random()
                    if r < 0.03:
                        outcome = "postponed"
                        decision = "Saken ble utsatt."
                    else:
                        outcome = (
                            "adopted"
                            if r < 0.85
                            else ("adopted_amended" if r < 0.97 else "rejected")
                        )
                        decision = (
                            proposed[case_id]
                            if outcome == "adopted" and rng.random() < 0.7
                            else text.paragraphs(1)
                        )
                    if meeting.body.political and rng.random() < 0.25:
                        total = (
                            len(meeting.body.roster[plan.term_of(meeting.start.date())]) // 2 or 7
                        )
                        against = rng.randint(0, total // 3)
                        blank = rng.choice([0, 0, 0, 1])
                        vote, votes = "counted", (total - against - blank, against, blank)
                    elif meeting.body.political or rng.random() < 0.5:
                        vote = "unanimous"
            # A correction is of a case item's decision where there is one.
            if (meeting.corrected_at and decision) and (
                meeting.id not in corrected or (case_id and not corrected[meeting.id][2])
            ):
                corrected[meeting.id] = (item_id, decision, bool(case_id))
            item_exempt = case_id is None and rng.random() < 0.004
            basis = rng.choice(LEGAL_BASES) if item_exempt else ""
            public_title = "Personalsak" if item_exempt else ""
            created = meeting.start - dt.timedelta(days=20)
            item_facts.append((item_id, meeting, case_id, kind))
            yield (
                item_id,
                created,
                created,
                item_exempt,
                basis,
                position,
                kind,
                title,
                public_title,
                year,
                sequence,
                minutes,
                decision,
                outcome,
                vote,
                *votes,
                1 + (meeting.state in HELD_STATES),
                None,
                meeting.body.id,
                case_id,
                meeting.id,
                prev_id,
            )

    put(
        "meetings_agendaitem",
        [
            "id",
            "created",
            "modified",
            "is_exempt",
            "exemption_basis",
            "position",
            "kind",
            "title",
            "public_title",
            "year",
            "sequence",
            "minutes_text",
            "decision",
            "outcome",
            "vote",
            "votes_for",
            "votes_against",
            "votes_blank",
            "version",
            "adopts_mandate_id",
            "body_id",
            "case_id",
            "meeting_id",
            "previous_meeting_id",
        ],
        item_rows(),
    )

    # Attendance: the term's members, most present, some with apologies and a substitute.
    attendance, present_of, chair_of = [], {}, {}
    for meeting in plan.meetings:
        if meeting.state not in HELD_STATES:
            continue
        roster = meeting.body.roster[plan.term_of(meeting.start.astimezone(OSLO).date())]
        voting = [(role, p, org) for role, p, org in roster if role != "deputy"]
        deputies = [(p, org) for role, p, org in roster if role == "deputy"]
        rows, present = [], []
        absent = []
        for _role, person, org in voting:
            if rng.random() < 0.86:
                rows.append([person, org, "member", None])
                present.append(person)
            else:
                absent.append((person, org))
        for person, org in absent:
            rows.append([person, org, "apologies", None])
            if deputies and rng.random() < 0.6:
                deputy, dorg = deputies.pop(rng.randrange(len(deputies)))
                rows.append([deputy, dorg, "substitute", person])
                present.append(deputy)
        chair = voting[0][1] if voting[0][1] in present else (present[0] if present else None)
        for person in rng.sample(plan.staff[meeting.body.cooperation], rng.choice([1, 1, 2])):
            rows.append([person, None, "staff", None])
        present_of[meeting.id] = present
        chair_of[meeting.id] = chair
        for position, (person, org, role, substitute_for) in enumerate(rows, start=1):
            attendance.append(
                (
                    len(attendance) + 1,
                    meeting.end,
                    meeting.end,
                    "",
                    role,
                    person == chair and role in ("member", "substitute"),
                    position,
                    org,
                    person,
                    substitute_for,
                    meeting.id,
                )
            )
    put(
        "meetings_attendance",
        [
            "id",
            "created",
            "modified",
            "name",
            "role",
            "is_chair",
            "position",
            "on_behalf_of_id",
            "person_id",
            "substitute_for_id",
            "meeting_id",
        ],
        attendance,
    )

    disqualified, follow_ups = [], []
    for item_id, meeting, case_id, kind in item_facts:
        if meeting.state not in HELD_STATES or not case_id:
            continue
        present = present_of.get(meeting.id) or []
        if present and rng.random() < 0.01:
            disqualified.append((len(disqualified) + 1, item_id, rng.choice(present)))
        if kind == "decision" and meeting.state == "published" and rng.random() < 0.05:
            due = (meeting.start + dt.timedelta(days=rng.randint(30, 180))).date()
            done = meeting.start + dt.timedelta(days=rng.randint(20, 200))
            follow_ups.append(
                (
                    len(follow_ups) + 1,
                    meeting.end,
                    meeting.end,
                    text.sentence(rng.randint(8, 16)),
                    due,
                    done if done < now else None,
                    item_id,
                    rng.choice(plan.staff[meeting.body.cooperation]),
                )
            )
    put("meetings_agendaitem_disqualified", ["id", "agendaitem_id", "person_id"], disqualified)
    put(
        "meetings_followup",
        ["id", "created", "modified", "description", "due", "done_at", "item_id", "responsible_id"],
        follow_ups,
    )

    later_events = write_approvals(put, plan, text, item_facts, present_of, chair_of, corrected)
    write_documents(put, cur, plan)

    # The log: the state changes each meeting went through.
    path = ["planned", "notice_sent", "held", "in_approval", "approved", "published"]

    def events():
        n = 0
        for m in plan.meetings:
            moments = {
                "notice_sent": m.notice_sent_at,
                "held": m.end,
                "in_approval": m.end + dt.timedelta(days=2),
                "approved": m.end + dt.timedelta(days=9),
                "published": m.published_at,
            }
            if m.state == "cancelled":
                steps = (["notice_sent"] if m.notice_sent_at else []) + ["cancelled"]
                moments["cancelled"] = min(m.start - dt.timedelta(days=2), now)
            else:
                steps = path[1 : path.index(m.state) + 1]
            state = "planned"
            for step in steps:
                n += 1
                yield (n, min(moments[step], now), "state_change", state, step, "", None, m.id)
                if step == "notice_sent":
                    n += 1
                    yield (n, min(moments[step], now), "numbers_assigned", "", "", "", None, m.id)
                state = step
        # Approvers designated, approvals, comments, corrections.
        for at, kind, note, meeting_id in later_events:
            n += 1
            yield (n, min(at, now), kind, "", "", note, None, meeting_id)

    put(
        "meetings_meetingevent",
        ["id", "at", "kind", "from_state", "to_state", "note", "actor_id", "meeting_id"],
        events(),
    )
    # Identity columns continue after the ids we chose.
    cur.execute(
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_name = 'id' AND is_identity = 'YES'"
    )
    with_identity = {name for (name,) in cur.fetchall()}
    for table in (t for t in counts if t in with_identity):
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )
    counts["minute_paragraphs"] = sum(paragraphs.values())
    counts["cases_exempt"] = len(exempt_case)
    return counts


def write_approvals(put, plan: Plan, text, item_facts, present_of, chair_of, corrected) -> list:
    """The approval of the minutes (meetings/approvals.py): the approvers of each meeting
    whose minutes went out for approval under a rule with approvers (the chair, and two
    members present for a political body), their approvals (of the approved text; while
    out for approval, some of an earlier text, lapsed), comments on the drafts, and a formal
    correction of each corrected meeting. Returns the log entries these make, in order."""
    from psycopg.types.json import Jsonb

    rng = random.Random(plan.scale.seed + 4)  # its own: the other tables are drawn as before
    now = plan.now
    name = {pid: person_name for pid, _c, person_name, _t, _o in plan.persons}
    items_of: dict[int, list[int]] = defaultdict(list)
    for item_id, meeting, _case_id, _kind in item_facts:
        items_of[meeting.id].append(item_id)
    approvers, approvals, comments, corrections, events = [], [], [], [], []
    for meeting in plan.meetings:
        if meeting.state not in APPROVAL_STATES:
            continue
        sent = meeting.sent_for_approval
        chair = chair_of.get(meeting.id)
        chosen = []
        if meeting.body.approval != "next_meeting" and chair:
            chosen = [chair]
            if meeting.body.approval == "chair_and_members":
                others = [p for p in present_of[meeting.id] if p != chair]
                chosen += rng.sample(others, min(2, len(others)))
        for person in chosen:
            approvers.append((len(approvers) + 1, person == chair, sent, None, meeting.id, person))
        if chosen:
            events.append((sent, "approvers", ", ".join(name[p] for p in chosen), meeting.id))
        if meeting.approved_at:
            digest = approved_digest(meeting)
            span = (meeting.approved_at - sent).total_seconds()
            for person in chosen:
                at = sent + dt.timedelta(seconds=rng.uniform(0.1, 0.95) * span)
                approvals.append((len(approvals) + 1, at, digest, None, meeting.id, person, None))
                events.append((at, "approval", name[person], meeting.id))
        else:
            # Out for approval: the text changed after some had approved it.
            for person in chosen:
                # The benchmark's meetings of 30 items: the chair's approval lapsed.
                approved_before = person == chair if meeting.big else rng.random() < 0.35
                if approved_before:
                    at = sent + dt.timedelta(hours=rng.randint(2, 30))
                    lapsed = at + dt.timedelta(hours=rng.randint(2, 30))
                    old = fake_sha(f"draft {meeting.id} {person}")
                    approvals.append(
                        (len(approvals) + 1, at, old, lapsed, meeting.id, person, None)
                    )
                    events.append((at, "approval", name[person], meeting.id))
                    events.append((lapsed, "approval_lapsed", name[person], meeting.id))
        readers = chosen or present_of.get(meeting.id) or []
        if meeting.state == "in_approval":
            count = 6 if meeting.big else rng.choice([0, 1, 2, 3])
        else:
            count = rng.choice([0, 0, 0, 0, 1, 2])
        for _ in range(count if readers else 0):
            author = rng.choice(readers)
            item = rng.choice(items_of[meeting.id]) if rng.random() < 0.7 else None
            at = min(sent + dt.timedelta(hours=rng.randint(1, 120)), now)
            comments.append(
                (len(comments) + 1, name[author], text.sentence(rng.randint(8, 24)), at, None,
                 item, meeting.id)
            )  # fmt: skip
            events.append((at, "comment", name[author], meeting.id))
        if meeting.id in corrected:
            item_id, decision, _case = corrected[meeting.id]
            before = decision.rsplit(" ", 3)[0] + "."
            reason = "Feil i vedtaket rettet etter melding fra " + name[rng.choice(readers)]
            corrections.append(
                (len(corrections) + 1, meeting.corrected_at, reason, Jsonb({"decision": before}),
                 Jsonb({"decision": decision}), None, item_id)
            )  # fmt: skip
            events.append((meeting.corrected_at, "correction", reason, meeting.id))
    put(
        "meetings_approver",
        ["id", "is_chair", "designated_at", "reminded_at", "meeting_id", "person_id"],
        approvers,
    )
    put(
        "meetings_approval",
        ["id", "at", "digest", "lapsed_at", "meeting_id", "person_id", "user_id"],
        approvals,
    )
    put(
        "meetings_comment",
        ["id", "author_name", "text", "at", "author_id", "item_id", "meeting_id"],
        comments,
    )
    put(
        "meetings_correction",
        ["id", "at", "reason", "before", "after", "by_id", "item_id"],
        corrections,
    )
    return sorted(events, key=lambda e: (e[0], e[3]))


def write_documents(put, cur, plan: Plan) -> None:
    """The stored PDFs' rows as publication and the notice leave them: the minutes of each
    published meeting, the notice of each meeting whose notice went out (the public and the
    members' version), and the SHA-512 the OParl API shows of the public ones. The files
    themselves are not made (the pages and the API read only the rows); the benchmark
    renders and stores real ones for the PDF scenarios."""

    def exists(table: str) -> bool:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        return cur.fetchone()[0]

    minutes, notices, minutes_sums, notice_sums = [], [], [], []
    for m in plan.meetings:
        if m.published_at:
            sha = fake_sha(f"minutes pdf {m.id}")
            minutes.append(
                (len(minutes) + 1, 1, f"minutes/{m.id}/{sha}.pdf", sha,
                 140_000 + 9_000 * (m.slots + 3), fake_sha(f"minutes html {m.id}"),
                 m.published_at, m.id)
            )  # fmt: skip
            minutes_sums.append(
                (len(minutes), fake_sha(f"minutes 512 {m.id}", 128), m.published_at)
            )
        if m.notice_sent_at:
            for audience in ("public", "members"):
                sha = fake_sha(f"notice pdf {m.id} {audience}")
                notices.append(
                    (len(notices) + 1, audience, 1, f"notices/{m.id}/{audience}/{sha}.pdf", sha,
                     90_000 + 12_000 * (m.slots + 3), fake_sha(f"notice html {m.id} {audience}"),
                     m.notice_sent_at, m.id)
                )  # fmt: skip
                if audience == "public":
                    notice_sums.append(
                        (len(notices), fake_sha(f"notice 512 {m.id}", 128), m.notice_sent_at)
                    )
    document = ["id", "version", "file", "sha256", "size", "html_sha256", "created", "meeting_id"]
    put("meetings_minutesdocument", document, minutes)
    put("meetings_noticedocument", ["id", "audience", *document[1:]], notices)
    # The checksum tables of the OParl API, where the schema has them.
    for table, rows in (
        ("oparl_minuteschecksum", minutes_sums),
        ("oparl_noticechecksum", notice_sums),
    ):
        if exists(table):
            put(table, ["document_id", "sha512", "computed_at"], rows)


# The search index, in SQL


# Python's str.strip() removes every character for which str.isspace() is true.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
# What the search module's _document() does to each text: private-use marks removed, then
# str.strip(), here btrim() with every character str.isspace() knows.
CLEAN = "btrim(translate({}, E'\\uE000\\uE001', ''), %(ws)s)"
WITHHELD = "(i.is_exempt OR coalesce(c.is_exempt, false))"
ITEM_TITLE = f"""CASE WHEN {WITHHELD}
        THEN CASE WHEN i.public_title <> '' THEN i.public_title
                  ELSE coalesce(c.public_title, '') END
        ELSE CASE WHEN i.title <> '' THEN i.title ELSE coalesce(c.title, '') END END"""
MINUTES_PUBLIC = f"m.state = 'published' AND NOT {WITHHELD}"
ITEM_DECISION = f"CASE WHEN {MINUTES_PUBLIC} THEN i.decision ELSE '' END"
ITEM_TEXT = f"CASE WHEN {MINUTES_PUBLIC} THEN i.minutes_text ELSE '' END"
ITEM_BASIS = """CASE WHEN i.is_exempt THEN i.exemption_basis
         WHEN coalesce(c.is_exempt, false) THEN c.exemption_basis ELSE '' END"""
CASE_TITLE = "CASE WHEN c.is_exempt THEN c.public_title ELSE c.title END"
CASE_DECISION = "CASE WHEN c.is_exempt THEN '' ELSE c.proposed_decision END"
CASE_TEXT = """CASE WHEN c.is_exempt THEN '' ELSE
        concat_ws(E'\\n\\n', nullif(c.background, ''), nullif(c.assessment, '')) END"""
COLUMNS = """(kind, item_id, case_id, meeting_id, body_id, cooperation_id, date, year, sequence,
     title, decision, text, exemption_basis, folded)"""
FROM = """FROM meetings_agendaitem i
JOIN meetings_meeting m ON m.id = i.meeting_id
JOIN cooperation_body b ON b.id = m.body_id"""
INDEX_ITEMS = f"""
INSERT INTO meetings_searchdocument {COLUMNS}
SELECT 'item', i.id, NULL, m.id, m.body_id, b.cooperation_id, m.start, i.year, i.sequence,
    {CLEAN.format(ITEM_TITLE)}, {CLEAN.format(ITEM_DECISION)}, {CLEAN.format(ITEM_TEXT)},
    {ITEM_BASIS}, ''
{FROM}
LEFT JOIN cases_case c ON c.id = i.case_id
WHERE m.notice_sent_at IS NOT NULL AND i.id BETWEEN %(low)s AND %(high)s
ORDER BY i.id
"""
# One row per case, at its first public treatment (meetings.search._public_treatments).
INDEX_CASES = f"""
INSERT INTO meetings_searchdocument {COLUMNS}
SELECT DISTINCT ON (c.id) 'case', NULL, c.id, m.id, m.body_id, b.cooperation_id, m.start,
    c.year, c.sequence,
    {CLEAN.format(CASE_TITLE)}, {CLEAN.format(CASE_DECISION)}, {CLEAN.format(CASE_TEXT)},
    CASE WHEN c.is_exempt THEN c.exemption_basis ELSE '' END, ''
{FROM}
JOIN cases_case c ON c.id = i.case_id
WHERE m.notice_sent_at IS NOT NULL AND c.id BETWEEN %(low)s AND %(high)s
ORDER BY c.id, m.start, i.id
"""

GIN = "CREATE INDEX search_document_vector ON meetings_searchdocument USING gin (search_vector)"


def build_index(url: str) -> dict[str, float]:
    """Empty the index and fill it in SQL, in two halves on two connections (both cores)."""
    import psycopg

    timings = {}
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE meetings_searchdocument")
        conn.execute("DROP INDEX IF EXISTS search_document_vector")
        items = conn.execute("SELECT coalesce(max(id), 0) FROM meetings_agendaitem").fetchone()[0]
        cases = conn.execute("SELECT coalesce(max(id), 0) FROM cases_case").fetchone()[0]
    # Items in two halves, then cases in two halves, each pair at once.
    import threading

    errors: list[BaseException] = []

    def run(sql: str, low: int, high: int) -> None:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SET synchronous_commit = off")
                conn.execute(sql, {"ws": WHITESPACE, "low": low, "high": high})
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)

    for name, sql, top in (("items", INDEX_ITEMS, items), ("cases", INDEX_CASES, cases)):
        t = time.perf_counter()
        half = top // 2
        threads = [
            threading.Thread(target=run, args=(sql, 0, half)),
            threading.Thread(target=run, args=(sql, half + 1, top)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        timings[f"insert_{name}_s"] = round(time.perf_counter() - t, 1)
        log(f"search rows of {name}: {timings[f'insert_{name}_s']} s")
    with psycopg.connect(url, autocommit=True) as conn:
        t = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute(GIN)
        timings["gin_index_s"] = round(time.perf_counter() - t, 1)
        log(f"GIN index: {timings['gin_index_s']} s")
    timings["index_total_s"] = round(time.perf_counter() - started, 1)
    return timings


def verify_index(sample: int = 300) -> dict[str, int]:
    """Compare a sample of the SQL-built rows with what meetings.search makes of them."""
    from django.db.models import Count

    from meetings.models import AgendaItem
    from meetings.search import SearchDocument, _case_documents, _item_document, _public_treatments

    fields = (
        "kind",
        "item_id",
        "case_id",
        "meeting_id",
        "body_id",
        "cooperation_id",
        "date",
        "year",
        "sequence",
        "title",
        "decision",
        "text",
        "exemption_basis",
        "folded",
    )

    def same(stored: SearchDocument, expected: SearchDocument) -> bool:
        return all(getattr(stored, f) == getattr(expected, f) for f in fields)

    public = AgendaItem.objects.on_public_agenda()
    expected_rows = (
        public.count()
        + public.filter(case__isnull=False).aggregate(n=Count("case_id", distinct=True))["n"]
    )
    stored_rows = SearchDocument.objects.count()
    if stored_rows != expected_rows:
        raise SystemExit(
            f"index has {stored_rows} rows, meetings.search would make {expected_rows}"
        )
    items = list(public.select_related("meeting__body", "case").order_by("?")[:sample]) + list(
        public.filter(is_exempt=True).select_related("meeting__body", "case")[:20]
    )
    items += list(public.filter(case__is_exempt=True).select_related("meeting__body", "case")[:20])
    stored = {d.item_id: d for d in SearchDocument.objects.filter(item__in=items)}
    bad = [i.pk for i in items if not same(stored[i.pk], _item_document(i))]
    case_ids = list(
        public.filter(case__isnull=False).order_by("?").values_list("case_id", flat=True)[:sample]
    )
    case_ids += list(public.filter(case__is_exempt=True).values_list("case_id", flat=True)[:20])
    expected_cases = list(_case_documents(_public_treatments().filter(case_id__in=case_ids)))
    stored_cases = {d.case_id: d for d in SearchDocument.objects.filter(case_id__in=case_ids)}
    bad += [f"case {d.case_id}" for d in expected_cases if not same(stored_cases[d.case_id], d)]
    if bad:
        raise SystemExit(f"search rows differ from meetings.search for {bad[:10]}")
    return {"rows": stored_rows, "items_checked": len(items), "cases_checked": len(expected_cases)}


# The marker


MARKER = """
CREATE TABLE IF NOT EXISTS bench_dataset (
    version text NOT NULL, mode text NOT NULL, schema text NOT NULL, stage text NOT NULL,
    generated_at timestamptz NOT NULL, facts jsonb NOT NULL
)
"""
APP_TABLES = ("cooperation_", "cases_", "meetings_", "oparl_")


def schema_fingerprint(conn) -> str:
    names = conn.execute("SELECT app || '.' || name FROM django_migrations ORDER BY 1").fetchall()
    return hashlib.sha256("\n".join(n for (n,) in names).encode()).hexdigest()[:16]


def read_marker(conn) -> dict | None:
    conn.execute(MARKER)
    row = conn.execute(
        "SELECT version, mode, schema, stage, generated_at, facts FROM bench_dataset"
    ).fetchone()
    if not row:
        return None
    keys = ("version", "mode", "schema", "stage", "generated_at", "facts")
    return dict(zip(keys, row, strict=True))


def empty_tables(conn) -> None:
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        if name.startswith(APP_TABLES) or name == "bench_dataset"
    ]
    conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def has_data(conn) -> bool:
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM cooperation_cooperation) "
        "OR EXISTS (SELECT 1 FROM meetings_meeting)"
    ).fetchone()[0]


def ensure_dataset(scale: Scale, *, force: bool = False) -> dict:
    """Make the dataset unless this version of it is already there; returns its facts."""
    import psycopg
    from django.db import connection

    url = conninfo()
    connection.close()
    with psycopg.connect(url, autocommit=True) as conn:
        marker = read_marker(conn)
        schema = schema_fingerprint(conn)
        fresh = (
            marker
            and not force
            and marker["version"] == VERSION
            and marker["mode"] == scale.name
            and marker["schema"] == schema
        )
        if fresh and marker["stage"] == "ready":
            log(f"reusing the {scale.name} dataset of {marker['generated_at']:%Y-%m-%d %H:%M}")
            return {**marker["facts"], "reused": True}
        if not fresh:
            if has_data(conn) and marker is None and not force:
                raise SystemExit(
                    "This database holds data the benchmark did not make; use a database of "
                    "its own (BENCH_DATABASE_URL) or --force to empty it."
                )
            if has_data(conn) or marker:
                log("the dataset is stale or unfinished: emptying the tables")
                empty_tables(conn)
                conn.execute(MARKER)
    facts: dict = {"generator": VERSION, "scale": asdict(scale)}
    if not fresh:
        started = time.perf_counter()
        now = dt.datetime.now(UTC).replace(microsecond=0)
        plan = Plan(scale, now)
        plan.build()
        facts["planned_s"] = round(time.perf_counter() - started, 1)
        log(
            f"planned {len(plan.meetings):,} meetings, {len(plan.cases):,} cases, "
            f"{len(plan.items):,} items in {facts['planned_s']} s"
        )
        with psycopg.connect(url) as conn:
            conn.execute("SET synchronous_commit = off")
            facts["counts"] = write_dataset(conn, plan)
            facts["reference_time"] = now.isoformat()
            conn.execute(
                "INSERT INTO bench_dataset VALUES (%s, %s, %s, 'data', now(), %s)",
                [VERSION, scale.name, schema, json.dumps(facts)],
            )
        facts["data_s"] = round(time.perf_counter() - started, 1)
        log(f"data written in {facts['data_s']} s")
    else:
        facts = marker["facts"]
    facts["index"] = build_index(url)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        # A loaded database is vacuumed and analysed, as autovacuum would leave it, so the
        # runs see visibility maps and statistics and no autovacuum starts during them.
        conn.execute("VACUUM (ANALYZE)")
    facts["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
    log(f"VACUUM ANALYZE: {facts['vacuum_analyze_s']} s")
    started = time.perf_counter()
    facts["verified"] = verify_index()
    log(f"index checked against meetings.search: {facts['verified']}")
    facts["total_s"] = round(
        facts.get("data_s", 0) + facts["index"]["index_total_s"] + facts["vacuum_analyze_s"], 1
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE bench_dataset SET stage = 'ready', facts = %s", [json.dumps(facts)])
    return {**facts, "reused": False}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the data")
    parser.add_argument("--force", action="store_true", help="make it again even if present")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cooperation.settings")
    if "DATABASE_URL" not in os.environ:
        print("Set DATABASE_URL to the benchmark's own database.", file=sys.stderr)
        return 2
    import django

    django.setup()
    facts = ensure_dataset(QUICK if args.quick else FULL, force=args.force)
    print(json.dumps(facts, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
