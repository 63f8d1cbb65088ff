"""Public search: one row per public thing, a stored Norwegian search vector, and the queries.

What is indexed, and when (docs/decisions/0005-search.md):

- every agenda item of a meeting whose notice has gone out, by its public title and number;
  once the minutes are published, also its decision and minutes;
- the case document of every case on the agenda of such a meeting: title, proposed decision,
  background and assessment;
- exempt items and cases only by their public title (and number), never by their text.

`index_meeting` rebuilds a meeting's rows and `index_cases` the rows of cases, both called by
`meetings/public_record.py` whenever something the public sees changes; `rebuild_index`
rebuilds all of them, `expected_rows` says what they should hold (`check_public_record`), and
`find` answers a query.

A query with more than `NEWEST` matches is ranked among its `NEWEST` newest matches only,
found walking a date index when the words are frequent; rarer queries are ranked in full,
and "newest first" is exact for every query (docs/decisions/0008-search-frequent-words.md).

On PostgreSQL the vector is a generated, stored column with a GIN index, created by migration
0002 and unknown to the model: inserts never send it, the database computes it from the text
columns (title A, decision B, text C), and the queries reach it through `stored_vector()`.
On SQLite (the embedded demo) there is no vector: a lower-cased copy of the text is searched
with LIKE, newest first, and excerpts are cut in Python.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection, models, transaction
from django.db.models import F, Func, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from cases.models import Case
from cases.richtext import plain_text
from cooperation.models import Body, Cooperation

from .models import AgendaItem, Meeting

CONFIG = "norwegian"
PAGE_SIZE = 20
# "More results" stops here: deeper pages of a ranked search are never worth their cost.
MAX_PAGES = 10
MAX_QUERY_LENGTH = 200
# A query with more matches than this is ranked among its newest NEWEST matches only (ranking
# reads every candidate's vector, ~5 µs each); one with at most this many is ranked in full.
# As many as the pages can show (ADR 0008's second addendum): every ranked hit can be reached,
# and two words or a phrase walk and rank 200 rows, not 500, within the end-to-end target.
NEWEST = MAX_PAGES * PAGE_SIZE

# ts_headline marks matches with these private-use characters, which indexing removes from
# the text; the excerpt is escaped first and only then are they turned into <mark>.
START, STOP = "\ue000", "\ue001"
_UNWANTED = str.maketrans("", "", START + STOP + "\x00")

# Why a query searched nothing (the page explains it instead of showing an empty list).
STOP_WORDS = "stop_words"
NO_WORDS = "no_words"
ONLY_EXCLUDED = "only_excluded"


class SearchDocument(models.Model):
    """One thing the public can find: an agenda item or a case document (ADR 0005)."""

    class Kind(models.TextChoices):
        ITEM = "item"
        CASE = "case"

    kind = models.CharField(max_length=4, choices=Kind)
    item = models.OneToOneField(
        "meetings.AgendaItem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="search_document",
    )
    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="search_document"
    )
    # Where the public meets it: the item's meeting, or the case's first public meeting.
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="+")
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="+")
    cooperation = models.ForeignKey(Cooperation, on_delete=models.CASCADE, related_name="+")
    # The meeting's start. No b-tree index on it as such: with one, PostgreSQL may walk it
    # newest first and test every row against a rare word instead of asking the GIN index.
    # Migration 0009 indexes an expression of it that only the walk for a frequent query
    # names, when the statistics say the walk is the cheaper (ADR 0008).
    date = models.DateTimeField()
    # The item's number (no year when the body numbers per meeting) or the case's reference.
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    title = models.TextField(blank=True)
    decision = models.TextField(blank=True)
    text = models.TextField(blank=True)
    exemption_basis = models.CharField(max_length=200, blank=True)
    # SQLite only: title, decision and text case-folded, because SQLite's LIKE and LOWER()
    # fold only ASCII (Ø, Æ, Å). Left empty on PostgreSQL, which searches the vector.
    folded = models.TextField(blank=True)

    class Meta:
        # The kind too: a search for a number asks for `vector @@ query OR (kind, year,
        # sequence)`, and with the kind outside the index PostgreSQL checked that OR row by
        # row, reading every matching row's vector (7,273 of them, 60 ms, for "sak 17/20").
        indexes = [
            models.Index(fields=["sequence", "year", "kind"], name="search_document_number_kind")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="item", item__isnull=False, case__isnull=True)
                | Q(kind="case", case__isnull=False, item__isnull=True),
                name="search_document_item_or_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number_label} {self.title}".strip()

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.ITEM:
            url = reverse("meetings:meeting_detail", kwargs={"pk": self.meeting_id})
            return f"{url}#sak-{self.item_id}"
        return reverse(
            "meetings:case_detail",
            kwargs={
                "cooperation": self.cooperation.slug,
                "year": self.year,
                "sequence": self.sequence,
            },
        )

    @property
    def number_label(self) -> str:
        return number_label(self.kind, self.year, self.sequence)


def number_label(kind: str, year: int | None, sequence: int | None) -> str:
    """The number as the page shows it: "Sak 48/20" for an item, "Saksnr. 2020/48" for a case,
    "3." for an item numbered per meeting, "" for an unnumbered one."""
    if sequence is None:
        return ""
    if kind == SearchDocument.Kind.CASE:
        return gettext("Case no. %(reference)s") % {"reference": f"{year}/{sequence}"}
    if year is None:
        return f"{sequence}."
    return gettext("Case %(number)s") % {"number": f"{sequence:02d}/{year % 100:02d}"}


# Building the rows


def index_meeting(meeting: Meeting) -> None:
    """Rebuild the rows of a meeting's agenda items and of the cases on its agenda.

    Called through `meetings/public_record.py` for every change the public may see: never
    call it from a view.
    """
    with transaction.atomic():
        items = list(
            AgendaItem.objects.filter(meeting_id=meeting.pk).select_related("meeting__body", "case")
        )
        SearchDocument.objects.filter(
            Q(kind=SearchDocument.Kind.ITEM, meeting_id=meeting.pk) | Q(item__in=items)
        ).delete()
        _bulk_create(_item_document(item) for item in items if item.meeting.notice_sent_at)
        case_ids = {item.case_id for item in items if item.case_id}
        # A case taken off this agenda may have had its document placed at this meeting.
        case_ids.update(
            SearchDocument.objects.filter(
                kind=SearchDocument.Kind.CASE, meeting_id=meeting.pk
            ).values_list("case_id", flat=True)
        )
        index_cases(case_ids)


def index_cases(case_ids: Iterable[int]) -> None:
    """Rebuild the rows of these cases' documents from what is public now."""
    case_ids = set(case_ids)
    if not case_ids:
        return
    with transaction.atomic():
        SearchDocument.objects.filter(case_id__in=case_ids).delete()
        _bulk_create(_case_documents(_public_treatments().filter(case_id__in=case_ids)))


def rebuild_index() -> int:
    """Rebuild every row from what is public now; returns the number of rows."""
    from .public_record import take_turn  # it imports this module

    with transaction.atomic():
        take_turn()  # no write to the public record rebuilds rows meanwhile
        SearchDocument.objects.all().delete()
        count = _bulk_create(expected_rows())
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # New GIN entries wait in a pending list that every search scans linearly
                # (and the planner prices in): merge them into the index now. Fresh
                # statistics let the planner judge how rare a word is.
                cursor.execute("SELECT gin_clean_pending_list('search_document_vector')")
                cursor.execute(f"ANALYZE {SearchDocument._meta.db_table}")
    return count


def expected_rows() -> Iterator[SearchDocument]:
    """Every row the index should hold, made from what is public now (unsaved)."""
    items = (
        AgendaItem.objects.on_public_agenda()
        .select_related("meeting__body", "case")
        .order_by("pk")
        .iterator(chunk_size=2000)
    )
    yield from (_item_document(item) for item in items)
    yield from _case_documents(_public_treatments().iterator(chunk_size=2000))


# What a row says, for comparing a stored row with the row the public record now makes.
ROW_FIELDS = (
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


def _public_treatments():
    """Treatments of cases at meetings whose notice went out, each case's first one first."""
    return (
        AgendaItem.objects.on_public_agenda()
        .filter(case__isnull=False)
        .select_related("meeting__body", "case")
        .order_by("case_id", "meeting__start", "pk")
    )


def _item_document(item: AgendaItem) -> SearchDocument:
    withheld = item.is_withheld
    if withheld:
        title = item.public_title or (item.case.public_title if item.case_id else "")
    else:
        title = item.display_title
    minutes_public = item.meeting.state == Meeting.State.PUBLISHED and not withheld
    return _document(
        kind=SearchDocument.Kind.ITEM,
        item=item,
        meeting=item.meeting,
        year=item.year,
        sequence=item.sequence,
        title=title,
        decision=item.decision if minutes_public else "",
        text=item.minutes_text if minutes_public else "",
        exemption_basis=item.legal_basis,
    )


def _case_documents(treatments: Iterable[AgendaItem]) -> Iterator[SearchDocument]:
    """One row per case, dated at its first public treatment (treatments ordered by case)."""
    for _case_id, group in itertools.groupby(treatments, key=attrgetter("case_id")):
        first = next(group)
        case = first.case
        public = not case.is_exempt
        yield _document(
            kind=SearchDocument.Kind.CASE,
            case=case,
            meeting=first.meeting,
            year=case.year,
            sequence=case.sequence,
            title=case.title_for_public,
            # The case texts are rich text: the index holds their words (ADR 0006).
            decision=plain_text(case.proposed_decision) if public else "",
            text="\n\n".join(filter(None, map(plain_text, [case.background, case.assessment])))
            if public
            else "",
            exemption_basis=case.exemption_basis if case.is_exempt else "",
        )


def _document(*, meeting: Meeting, title: str, decision: str, text: str, **fields):
    title, decision, text = (
        value.translate(_UNWANTED).strip() for value in (title, decision, text)
    )
    folded = ""
    if connection.vendor != "postgresql":
        folded = "\n".join([title, decision, text]).casefold()
    return SearchDocument(
        meeting=meeting,
        body_id=meeting.body_id,
        cooperation_id=meeting.body.cooperation_id,
        date=meeting.start,
        title=title,
        decision=decision,
        text=text,
        folded=folded,
        **fields,
    )


def _bulk_create(documents: Iterable[SearchDocument]) -> int:
    count = 0
    for batch in itertools.batched(documents, 1000):
        SearchDocument.objects.bulk_create(batch)
        count += len(batch)
    return count


# Numbers: "48/20", "sak 48/20", "Sak nr. 48/20" (an item), "2020/48" (a case reference)

NUMBER = re.compile(
    r"(?:(?:sak|saksnr|saksnummer|case)\.?\s*)?(?:(?:nr|no)\.?\s*)?(\d{1,6})\s*/\s*(\d{1,4})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    kind: str
    year: int
    sequence: int

    def q(self) -> Q:
        return Q(kind=self.kind, year=self.year, sequence=self.sequence)

    def matches(self, kind: str, year: int | None, sequence: int | None) -> bool:
        return (kind, year, sequence) == (self.kind, self.year, self.sequence)

    @property
    def words(self) -> str:
        """The number as the texts write it, for finding the documents that mention it."""
        if self.kind == SearchDocument.Kind.CASE:
            return f"{self.year}/{self.sequence}"
        yy = self.year % 100
        return f"{self.sequence:02d}/{yy:02d} or {self.sequence}/{yy:02d}"


def parse_number(query: str) -> Number | None:
    match = NUMBER.fullmatch(query.strip())
    if not match:
        return None
    first, second = match.groups()
    if len(first) == 4 and 1900 <= int(first) <= 2199:
        return Number(SearchDocument.Kind.CASE, year=int(first), sequence=int(second))
    if len(second) == 2:
        # A two-digit year is in this century unless that lies in the future.
        year = 2000 + int(second)
        if year > timezone.localdate().year + 1:
            year -= 100
        return Number(SearchDocument.Kind.ITEM, year=year, sequence=int(first))
    if len(second) == 4:
        return Number(SearchDocument.Kind.ITEM, year=int(second), sequence=int(first))
    return None


# Answering a query


@dataclass(slots=True)
class Hit:
    """What the page shows of one hit, read by query 2 as plain values (no model instances)."""

    pk: int  # the SearchDocument's
    kind: str  # SearchDocument.Kind
    year: int | None
    sequence: int | None
    number_label: str
    title: SafeString  # escaped, the matches marked
    excerpt: SafeString  # escaped, the matches marked; "" when there is no text
    exact: bool  # the row is the item or case whose number was searched for
    url: str
    body_name: str
    date: datetime.datetime  # the meeting's start, in the current time zone
    date_iso: str  # as the template filter date:"c" writes it
    date_text: str  # as date:"j. F Y" writes it: "25. november 2026"
    exemption_basis: str


@dataclass
class Results:
    hits: list[Hit]
    page: int
    has_more: bool
    ignored: str = ""  # STOP_WORDS, NO_WORDS or ONLY_EXCLUDED when nothing was searched
    # Ranked among its `newest` newest matches only, because it has more (ADR 0008).
    newest_only: bool = False
    newest: int = 0

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.has_more and self.page < MAX_PAGES else None

    @property
    def capped(self) -> bool:
        return self.has_more and self.page >= MAX_PAGES


def find(query: str, *, order: str = "rank", page: int = 1) -> Results:
    """One page of hits for a query in web-search syntax, exact number matches first.

    Two queries: the ids of the page in order, answered from the indexes (`page_query`), then
    those rows with what the page shows, so excerpts are made for the shown rows only.
    """
    number = parse_number(query)
    if connection.vendor != "postgresql":
        groups, ignored = _like_groups(number.words if number else query)
        if ignored and not number:
            return Results(hits=[], page=page, has_more=False, ignored=ignored)
    # Query 1: the page's ids (one more, to know whether there is a next page), each with
    # whether the ranking was limited to the newest matches.
    with connection.cursor() as cursor, planned_for_its_words():
        cursor.execute(*page_query(query, order=order, page=page))
        found = cursor.fetchall()
    ids = [pk for pk, _newest_only in found]
    newest_only = order == "rank" and any(newest_only for _pk, newest_only in found)
    if not ids:
        ignored = ""
        if connection.vendor == "postgresql" and not number and page == 1:
            ignored = _why_nothing_postgresql(query)
        return Results(hits=[], page=page, has_more=False, ignored=ignored)
    shown = ids[:PAGE_SIZE]
    # Query 2: what the page shows of those rows, as dicts (on PostgreSQL with their title
    # and excerpt marked by ts_headline, on SQLite with their texts, marked here).
    if connection.vendor == "postgresql":
        rows, mark = _shown_rows_postgresql(shown, number.words if number else query), None
    else:
        rows, mark = _shown_sqlite(shown), _pattern(groups)
    by_pk = {row["id"]: row for row in rows}
    urls = _url_patterns(get_script_prefix())
    # A row deleted between the two queries by a re-index is left out.
    hits = [_hit(by_pk[pk], number, mark, urls) for pk in shown if pk in by_pk]
    return Results(
        hits=hits,
        page=page,
        has_more=len(ids) > PAGE_SIZE,
        newest_only=newest_only,
        newest=NEWEST if newest_only else 0,
    )


def _hit(row: dict, number: Number | None, mark: re.Pattern | None, urls: tuple[str, str]) -> Hit:
    """A row of query 2 as the page shows it."""
    if mark:
        title = _mark(row["title"], mark)
        excerpt = _excerpt("\n\n".join(filter(None, [row["decision"], row["text"]])), mark)
    else:
        title = _marks_to_html(row["marked_title"])
        excerpt = _marks_to_html(row["marked_excerpt"])
    kind, year, sequence = row["kind"], row["year"], row["sequence"]
    meeting_url, case_url = urls
    if kind == SearchDocument.Kind.ITEM:
        url = meeting_url.format(pk=row["meeting_id"]) + f"#sak-{row['item_id']}"
    else:
        url = case_url.format(cooperation=row["cooperation__slug"], year=year, sequence=sequence)
    # The date as the template's date filter would write it (it costs ~20 µs a call).
    date = timezone.localtime(row["date"])
    return Hit(
        pk=row["id"],
        kind=kind,
        year=year,
        sequence=sequence,
        number_label=number_label(kind, year, sequence),
        title=title,
        excerpt=excerpt,
        exact=bool(number and number.matches(kind, year, sequence)),
        url=url,
        body_name=row["body__name"],
        date=date,
        date_iso=date.isoformat(),
        date_text=f"{date.day}. {MONTHS[date.month]} {date.year:04d}",
        exemption_basis=row["exemption_basis"],
    )


@contextlib.contextmanager
def planned_for_its_words():
    """Query 1 is never a prepared statement (ADR 12): a generic plan, made without the
    words, found two words and phrases in 10–15 ms where a plan for the words takes 6–10 ms
    (bench, full data). psycopg prepares a statement only while its connection's threshold is
    set, so it is unset for this one statement."""
    raw = connection.connection if connection.vendor == "postgresql" else None
    threshold = getattr(raw, "prepare_threshold", None)
    if threshold is not None:
        raw.prepare_threshold = None
    try:
        yield
    finally:
        if threshold is not None:
            raw.prepare_threshold = threshold


def page_query(query: str, *, order: str = "rank", page: int = 1) -> tuple[str, tuple | dict]:
    """SQL and parameters of query 1: rows (id, newest_only) of one page plus one.

    Everything on SQLite pages through `matching`; a number on PostgreSQL through
    `_number_page`, words through `_page_sql`: by relevance, the NEWEST newest matches (a
    number's: the texts that quote it) are ranked (all of them when there are no more);
    newest first is exact for every match (ADR 0008).
    """
    offset = (page - 1) * PAGE_SIZE
    number = parse_number(query)
    if connection.vendor == "postgresql" and number:
        # Compiled once per process (see `_compiled`): a number's page is `_number_page`'s.
        sql, params, marker = _number_page_statement(number.kind, order, offset)
        values = {
            marker.words: number.words,
            marker.year: number.year,
            marker.sequence: number.sequence,
        }
        return sql, _filled_in(params, values)
    if connection.vendor != "postgresql":
        rows = (
            matching(query, order=order)
            .annotate(newest_only=Value(False))
            .values_list("pk", "newest_only")[offset : offset + PAGE_SIZE + 1]
        )
        return rows.query.sql_with_params()
    params = {
        "config": CONFIG,
        "query": query,
        "table": SearchDocument._meta.db_table,
        "newest": NEWEST,
        "limit": PAGE_SIZE + 1,
        "offset": offset,
        # How many of the newest matches are needed: one more than NEWEST to know whether
        # there are more, or down to this page when newest first.
        "depth": NEWEST + 1 if order == "rank" else offset + PAGE_SIZE + 1,
        "walk_cost": WALK_COST,
        "walk_limit": WALK_LIMIT,
    }
    return _page_sql(order), params


@functools.cache
def _number_page_statement(kind: str, order: str, offset: int) -> tuple[str, tuple, Number]:
    """Query 1 for a number on PostgreSQL (`_number_page`'s page), compiled once per process and
    shape (see `_compiled`): its SQL, its parameters with markers, and the marker number."""
    marker = Number(kind, year=32_123, sequence=2_123_456_789)
    rows = _number_page(marker, order)[offset : offset + PAGE_SIZE + 1]
    sql, params = _compiled(rows, [marker.words, marker.year, marker.sequence])
    return sql, params, marker


def _number_page(number: Number, order: str) -> models.QuerySet:
    """Query 1's rows (id, newest_only) for a number on PostgreSQL: `matching`'s, except that
    by relevance the texts that mention the number are ranked among their NEWEST newest, as
    a frequent word's are (ADR 0008): "sak 17/20" is quoted in 7,273 rows of the benchmark
    data, and ranking them all read every one's vector (50 ms). The item or case with the
    number comes first either way, and newest first stays exact."""
    if order != "rank":
        return (
            _matching_postgresql(number.words, number, order)
            .annotate(newest_only=Value(False))
            .values_list("pk", "newest_only")
        )
    tsquery = _tsquery(number)
    table = SearchDocument._meta.db_table
    matches = "search_vector @@ websearch_to_tsquery(%s::regconfig, %s)"
    # The newest mentions and the numbered rows, as one set of ids (an OR of the two in the
    # outer query lets PostgreSQL choose to scan the whole table). Written out: the ORM's
    # subqueries rename the table, which `stored_vector()` names.
    candidates = RawSQL(
        f"SELECT id FROM (SELECT id FROM {table} WHERE {matches} "
        f"ORDER BY date DESC, id DESC LIMIT %s) newest "
        f"UNION ALL SELECT id FROM {table} WHERE kind = %s AND year = %s AND sequence = %s",
        (CONFIG, number.words, NEWEST, number.kind, number.year, number.sequence),
    )
    # More than NEWEST mentions: told by the one after them, found without ordering them.
    more = RawSQL(
        f"EXISTS (SELECT 1 FROM {table} WHERE {matches} OFFSET %s LIMIT 1)",
        (CONFIG, number.words, NEWEST),
        output_field=models.BooleanField(),
    )
    return (
        SearchDocument.objects.alias(vector=stored_vector())
        .filter(pk__in=candidates)
        .alias(
            exact=models.Case(models.When(number.q(), then=1), default=0),
            rank=SearchRank(F("vector"), tsquery),
        )
        .annotate(newest_only=more)
        .order_by("-exact", "-rank", "-date", "-pk")
        .values_list("pk", "newest_only")
    )


# Walking the date index newest first tests each row it passes against the query, which
# reads the row's vector out of line (3-6 µs a row on the benchmark data); the GIN index
# finds every match instead, for 1-2.5 µs each. So the walk is tried only when the column's
# statistics say it is the cheaper (it passes depth / frequency rows, the GIN index reads
# frequency × rows matches, and one row passed costs WALK_COST matches read), and it is given
# up after WALK_LIMIT rows, for the GIN index, if the statistics were wrong (ADR 0008).
WALK_COST = 3
WALK_LIMIT = 15_000


def _page_sql(order: str) -> str:
    """Query 1 for words on PostgreSQL (parameters from `page_query`).

    `stats`: the frequency of the query's rarest word, from the statistics ANALYZE keeps for
    the vector column (most_common_elems; 0 for a word not among them), and the row count.
    `walk`: when they promise it is cheaper, the newest matches found by walking the date
    index newest first, at most `depth` of them and at most WALK_LIMIT rows tested.
    `candidates`: the walk's rows if it found `depth`, else the newest `depth` matches found
    through the GIN index. The tsquery given to that branch is a subquery, so the planner
    prices it as a rare query and takes the GIN index even for a frequent word (a sequential
    scan would read every row's vector). Every branch is guarded by a condition PostgreSQL
    checks once before running it (One-Time Filter).
    The walk's index is on an expression (migration 0009) that only this query names: no
    other query, "newest first" among them, can walk it testing every row for a rare word.
    """
    table = SearchDocument._meta.db_table
    tsquery = "websearch_to_tsquery(%(config)s::regconfig, %(query)s)"
    if order == "date":
        select = """SELECT id, false AS newest_only FROM candidates
ORDER BY date DESC, id DESC"""
    else:
        # The NEWEST newest candidates (all of them when there are no more), by relevance.
        select = f"""SELECT id, found > %(newest)s AS newest_only FROM (
    SELECT id, date, search_vector, count(*) OVER () AS found,
           row_number() OVER (ORDER BY date DESC, id DESC) AS age
    FROM candidates
) c
WHERE age <= %(newest)s
ORDER BY ts_rank(search_vector, {tsquery}) DESC, date DESC, id DESC"""
    return f"""
WITH stats AS (
    SELECT coalesce(min(coalesce(frequent.freq, 0)), 0) AS freq,
           (SELECT reltuples FROM pg_class WHERE oid = %(table)s::regclass) AS total
    FROM unnest(tsvector_to_array(to_tsvector(%(config)s::regconfig, %(query)s))) word (lexeme)
    LEFT JOIN (
        SELECT elem.lexeme, elem.freq
        FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs)
            elem (lexeme, freq)
        WHERE schemaname = current_schema() AND tablename = %(table)s
            AND attname = 'search_vector'
    ) frequent USING (lexeme)
), walk AS MATERIALIZED (
    SELECT id, date, search_vector FROM (
        SELECT id, date, search_vector FROM {table}
        WHERE (SELECT freq * freq * total >= %(walk_cost)s * %(depth)s
                      AND %(depth)s <= freq * %(walk_limit)s FROM stats)
        ORDER BY timezone('UTC', date) DESC, id DESC
        LIMIT %(walk_limit)s
    ) newest
    WHERE search_vector @@ {tsquery} AND querytree({tsquery}) <> 'T'
    LIMIT %(depth)s
), candidates AS (
    SELECT id, date, search_vector FROM walk
    WHERE (SELECT count(*) FROM walk) = %(depth)s
    UNION ALL (
        SELECT id, date, search_vector FROM {table}
        WHERE search_vector @@ (SELECT {tsquery}) AND querytree({tsquery}) <> 'T'
            AND (SELECT count(*) FROM walk) < %(depth)s
        ORDER BY date DESC, id DESC
        LIMIT %(depth)s
    )
)
{select}
LIMIT %(limit)s OFFSET %(offset)s"""


def matching(query: str, *, order: str = "rank") -> models.QuerySet:
    """Every row that matches, in full order: exact number matches first, then by relevance
    (`order="rank"`) or newest first (`order="date"`). The search pages through it on SQLite,
    and for a number newest first; on PostgreSQL `page_query` ranks a frequent query (or a
    number's quotes) among its newest matches instead (ADR 0008)."""
    number = parse_number(query)
    if connection.vendor == "postgresql":
        return _matching_postgresql(query, number, order)
    return _matching_sqlite(query, number, order)


def _tsquery(query: str | Number) -> SearchQuery:
    text = query.words if isinstance(query, Number) else query
    return SearchQuery(text, config=CONFIG, search_type="websearch")


def stored_vector() -> RawSQL:
    """The generated tsvector column, which only PostgreSQL has (migration 0002)."""
    return RawSQL(
        f"{SearchDocument._meta.db_table}.search_vector", (), output_field=SearchVectorField()
    )


def _matching_postgresql(query: str, number: Number | None, order: str) -> models.QuerySet:
    tsquery = _tsquery(number or query)
    documents = SearchDocument.objects.alias(vector=stored_vector())
    ordering = []
    if number:
        documents = documents.filter(Q(vector=tsquery) | number.q()).alias(
            exact=models.Case(models.When(number.q(), then=1), default=0)
        )
        ordering.append("-exact")
    else:
        # A query of exclusions only ("-buss") cannot use the index and would match nearly
        # every row; this condition on the query alone stops it before any scan.
        querytree = Func(tsquery, function="querytree", output_field=models.TextField())
        documents = documents.filter(vector=tsquery).alias(tree=querytree).exclude(tree="T")
    if order == "date":
        return documents.order_by(*ordering, "-date", "-pk")
    documents = documents.alias(rank=SearchRank(F("vector"), tsquery))
    return documents.order_by(*ordering, "-rank", "-date", "-pk")


# What query 2 reads of each shown row besides its title and text: only what the page shows
# or links with. The body and the cooperation are joined for one column each.
SHOWN = (
    "id",
    "kind",
    "item_id",
    "meeting_id",
    "year",
    "sequence",
    "date",
    "exemption_basis",
    "body__name",
    "cooperation__slug",
)


class AroundTheWords(Func):
    """PostgreSQL: the part of a text where the query's words first occur, cut at whole words.

    ts_headline parses and stems all the text it is given (~100 ns a character), most of
    query 2's time. The excerpt shows two fragments of at most 20 words around matches, so it
    is made from this part only: from BEFORE characters before the first occurrence of any of
    the query's words to AFTER characters after the last of their first occurrences, at most
    WINDOW characters. A word occurs where its lexeme begins a word of the text (the
    Norwegian stemmer only takes endings off, so a lexeme begins the words it stems from):
    found with strpos as written and capitalised, and with a case-blind regular expression
    when that first find is inside a word. The lexemes are read from the query's tree, which
    leaves out the words after "-". A short text is taken whole; a longer one without any of
    the words gives NULL. The part may still hold no match (`Excerpt` checks).
    """

    BEFORE, AFTER, WINDOW = 200, 800, 2000
    output_field = models.TextField()

    # {text} and {query} are the compiled expressions. A text of at most WINDOW bytes is
    # taken whole. In the query's tree a lexeme is quoted, its own quotes doubled (each
    # lexeme looked for once). A part that does not start (end) the text loses its first
    # (last) word, which may be cut.
    SQL = r"""CASE WHEN octet_length({text}) <= {window} THEN {text} ELSE (
  SELECT CASE WHEN f.first IS NULL THEN NULL
              WHEN w.stop > length(d.text) THEN p.part
              ELSE regexp_replace(p.part, '\s+\S*$', '') END
  FROM (SELECT {text} AS text, {query} AS query OFFSET 0) d
  CROSS JOIN LATERAL (
    SELECT min(found.at) AS first, max(found.at) AS last
    FROM (
      SELECT DISTINCT m FROM regexp_matches(querytree(d.query), '''((?:[^'']|'''')+)''', 'g') m
    ) lexeme (m)
    CROSS JOIN LATERAL (SELECT replace(m[1], '''''', '''') AS lexeme) l
    CROSS JOIN LATERAL (
      SELECT least(
        nullif(strpos(d.text, l.lexeme), 0),
        nullif(strpos(d.text, upper(left(l.lexeme, 1)) || substr(l.lexeme, 2)), 0)
      ) AS at
    ) seen
    CROSS JOIN LATERAL (
      SELECT CASE WHEN seen.at = 1 OR substr(d.text, seen.at - 1, 1) !~ '[[:alnum:]]'
        THEN seen.at
        ELSE nullif(regexp_instr(d.text,
          '\m' || regexp_replace(l.lexeme, '([^[:alnum:]])', '\\\1', 'g'), 1, 1, 0, 'i'), 0)
      END AS at
    ) found
  ) f
  CROSS JOIN LATERAL (SELECT greatest(1, f.first - {before}) AS start) s
  CROSS JOIN LATERAL (
    SELECT s.start, least(s.start + {window}, f.last + {after}) AS stop
  ) w
  CROSS JOIN LATERAL (
    SELECT CASE WHEN w.start = 1 THEN cut ELSE regexp_replace(cut, '^\S*\s+', '') END AS part
    FROM substr(d.text, w.start, w.stop - w.start) cut
  ) p
) END"""

    def as_sql(self, compiler, connection, **extra_context):
        text, query = self.get_source_expressions()
        text_sql, text_params = compiler.compile(text)
        query_sql, query_params = compiler.compile(query)
        sql = self.SQL.replace("%", "%%").format(
            text=text_sql,
            query=query_sql,
            before=self.BEFORE,
            after=self.AFTER,
            window=self.WINDOW,
        )
        return sql, (*text_params, *text_params, *text_params, *query_params)


class Excerpt(Func):
    """PostgreSQL: a text's excerpt, ts_headline's marked fragments (`options`), made from the
    part of the text where the query's words are (`AroundTheWords`).

    From the whole text when the part is the whole text, or when the words marked in the
    part's excerpt do not match the query by themselves (the part held no match: a word
    found where it begins a longer one, two words or a phrase's words first found apart);
    from the opening when the text has none of the words (the title or the number matched).
    """

    output_field = models.TextField()

    def __init__(self, text, query, **options):
        super().__init__(text, query)
        self.options = options

    def as_sql(self, compiler, connection, **extra_context):
        text, query = self.get_source_expressions()

        def headline(sql):
            raw = RawSQL(sql, (), output_field=models.TextField())
            return compiler.compile(SearchHeadline(raw, query, **self.options))

        query_sql, query_params = compiler.compile(query)
        text_sql, text_params = compiler.compile(text)
        # The text is joined once (t), and the part is cut from that.
        at_t = RawSQL("t.text", (), output_field=models.TextField())
        around_sql, around_params = compiler.compile(AroundTheWords(at_t, query))
        opening_sql, opening_params = headline(f"left(p.text, {AroundTheWords.AFTER})")
        whole_sql, whole_params = headline("e.text")
        part_sql, part_params = headline("p.part")
        start, stop = ord(START), ord(STOP)
        marked = (
            "(SELECT string_agg(m[1], ' ') FROM regexp_matches(e.excerpt, "
            f"chr({start}) || '([^' || chr({stop}) || ']*)' || chr({stop}), 'g') m)"
        )
        # OFFSET 0: each computed once, not written into each place that names it.
        sql = f"""(SELECT CASE
    WHEN e.part IS NULL THEN e.opening
    WHEN e.whole OR to_tsvector('{CONFIG}'::regconfig, {marked}) @@ {query_sql}
        THEN e.excerpt
    ELSE {whole_sql} END
  FROM (
    SELECT p.text, p.part, p.whole, {part_sql} AS excerpt,
           CASE WHEN p.part IS NULL THEN {opening_sql} END AS opening
    FROM (SELECT {text_sql} AS text OFFSET 0) t
    CROSS JOIN LATERAL (
      SELECT t.text, {around_sql} AS part,
             octet_length(t.text) <= {AroundTheWords.WINDOW} AS whole OFFSET 0
    ) p
    OFFSET 0
  ) e)"""
        params = (
            *query_params,
            *whole_params,
            *part_params,
            *opening_params,
            *text_params,
            *around_params,
        )
        return sql, params


def _shown_postgresql(pks: list[int], query: str | Number) -> models.QuerySet:
    """Query 2 on PostgreSQL: the shown rows, their title and excerpt marked by ts_headline
    (the text columns themselves stay in the database). The excerpt is made from the part of
    the text where the words are (`Excerpt`)."""
    tsquery = _tsquery(query)
    marks = {"config": CONFIG, "start_sel": START, "stop_sel": STOP}
    text = Concat("decision", Value("\n\n"), "text", output_field=models.TextField())

    return (
        SearchDocument.objects.filter(pk__in=pks)
        .annotate(
            marked_title=SearchHeadline("title", tsquery, highlight_all=True, **marks),
            marked_excerpt=Excerpt(
                text,
                tsquery,
                max_fragments=2,
                max_words=20,
                min_words=8,
                fragment_delimiter=" … ",
                **marks,
            ),
        )
        .values(*SHOWN, "marked_title", "marked_excerpt")
    )


# Compiled once per process: building and compiling an ORM query costs ~0.9 ms, more than
# PostgreSQL takes to run query 2 or to find a number. The SQL of those two depends only on
# the shape of the request (how many rows are shown; the number's kind, the order and the
# page), so it is compiled once per shape from the same ORM query (which bench/dbtime.py
# times, too), with markers for the values that change: the query's text, and numbers no row
# has for ids (negative), years and sequence numbers (within their columns' ranges, or the ORM
# would drop a condition that cannot match). A request puts its values in place of the
# markers among the parameters.
_TEXT_MARKER = "\ue002query\ue002"


def _compiled(queryset: models.QuerySet, markers: list) -> tuple[str, tuple]:
    """The queryset's SQL and parameters, checked to hold every marker as a parameter (a
    marker written into the SQL could not be replaced)."""
    sql, params = queryset.query.sql_with_params()
    if any(marker not in params for marker in markers):
        raise RuntimeError("A compiled search query does not pass all its values as parameters.")
    return sql, params


def _filled_in(params: tuple, values: dict) -> tuple:
    """The parameters of a statement compiled with markers, each marker replaced by its value
    (of the marker's type: the ORM passes psycopg's Int2, Int4 for some columns)."""
    return tuple(type(param)(values[param]) if param in values else param for param in params)


@functools.cache
def _shown_statement(count: int) -> tuple[str, tuple, list[int]]:
    """Query 2's SQL for `count` rows, its parameters with markers, and the ids' markers."""
    ids = [-1 - n for n in range(count)]
    sql, params = _compiled(_shown_postgresql(ids, _TEXT_MARKER), [_TEXT_MARKER, *ids])
    return sql, params, ids


def _shown_rows_postgresql(pks: list[int], text: str) -> list[dict]:
    """Query 2 on PostgreSQL for these ids and this query text: the dicts `_shown_postgresql`
    gives."""
    sql, params, markers = _shown_statement(len(pks))
    values = dict(zip(markers, pks, strict=True)) | {_TEXT_MARKER: text}
    with connection.cursor() as cursor:
        cursor.execute(sql, _filled_in(params, values))
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _shown_sqlite(pks: list[int]) -> models.QuerySet:
    """Query 2 on SQLite: the shown rows with their texts, marked in Python."""
    return SearchDocument.objects.filter(pk__in=pks).values(*SHOWN, "title", "decision", "text")


@functools.cache
def _url_patterns(script_prefix: str) -> tuple[str, str]:
    """The URLs of a meeting and of a case as format strings: "/moter/{pk}/".

    Reversing costs ~20 µs and a page links to up to 20 hits, so each URL is reversed once per
    process and script prefix (the argument, which `reverse` reads itself) with values no real
    URL has, which are then replaced by format fields. `reverse` quotes the prefix, so the
    result holds no other braces.
    """
    meeting = reverse("meetings:meeting_detail", kwargs={"pk": 1357913579})
    case = reverse(
        "meetings:case_detail",
        kwargs={"cooperation": "cooperation-marker", "year": 2468024680, "sequence": 9753197531},
    )
    return (
        meeting.replace("1357913579", "{pk}"),
        case.replace("cooperation-marker", "{cooperation}")
        .replace("2468024680", "{year}")
        .replace("9753197531", "{sequence}"),
    )


def _why_nothing_postgresql(query: str) -> str:
    """Whether PostgreSQL ignored the whole query (stop words, no words, only exclusions)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numnode(q), querytree(q) FROM websearch_to_tsquery(%s::regconfig, %s) q",
            [CONFIG, query],
        )
        nodes, tree = cursor.fetchone()
    if nodes == 0:
        return STOP_WORDS if re.search(r"[^\W_]", query) else NO_WORDS
    if tree == "T":
        return ONLY_EXCLUDED
    return ""


def _marks_to_html(marked: str) -> SafeString:
    return mark_safe(escape(marked.strip()).replace(START, "<mark>").replace(STOP, "</mark>"))


# SQLite: the simpler search of the embedded demo. Web-search syntax is read in Python and
# each word is a LIKE over the case-folded text; no stemming, no ranking.
# PostgreSQL's Norwegian stop words (Snowball's list), so both databases ignore the same ones.
_STOP_WORDS = """
    og i jeg det at en et den til er som på de med han av ikke ikkje der så var meg seg men
    ett har om vi min mitt ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans
    hvor eller hva skal selv sjøl her alle vil bli ble blei blitt kunne inn når være kom noen
    noe ville dere deres kun ja etter ned skulle denne for deg si sine sitt mot å meget
    hvorfor dette disse uten hvordan ingen din ditt blir samme hvilken hvilke sånn inni
    mellom vår hver hvem vors hvis både bare enn fordi før mange også slik vært båe begge
    siden dykk dykkar dei deira deires deim di då eg ein eit eitt elles honom hjå ho hoe henne
    hennar hennes hoss hossen ingi inkje korleis korso kva kvar kvarhelst kven kvi kvifor me
    medan mi mine mykje no nokon noka nokor noko nokre sia sidan so somt somme um upp vere
    vore verte vort varte vart
"""
NORWEGIAN_STOP_WORDS = frozenset(_STOP_WORDS.split())
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
PUNCTUATION = ".,;:!?()[]{}«»'\"“”"


def _like_groups(query: str) -> tuple[list[tuple[list[str], list[str]]], str]:
    """Web-search syntax for LIKE: groups joined by `or`, each words to find and to leave out.

    Returns the groups that have something to find, or none and why.
    """
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    saw_words = False
    for match in TOKEN.finditer(query):
        minus, phrase, word = match.groups()
        if word is not None:
            if word.lower() == "or":
                groups.append(([], []))
                continue
            minus = "-" if word.startswith("-") else ""
            term = word.lstrip("-").strip(PUNCTUATION).casefold()
            saw_words = saw_words or bool(re.search(r"[^\W_]", term))
            if not term or term in NORWEGIAN_STOP_WORDS:
                continue
        else:
            term = " ".join(phrase.split()).casefold()
            saw_words = saw_words or bool(re.search(r"[^\W_]", term))
            if not term:
                continue
        find, leave_out = groups[-1]
        (leave_out if minus else find).append(term)
    usable = [group for group in groups if group[0]]
    if usable:
        return usable, ""
    if any(leave_out for _find, leave_out in groups):
        return [], ONLY_EXCLUDED
    return [], STOP_WORDS if saw_words else NO_WORDS


def _matching_sqlite(query: str, number: Number | None, order: str) -> models.QuerySet:
    groups, _ignored = _like_groups(number.words if number else query)
    match = Q(pk__in=[])
    in_title = Q()
    for find, leave_out in groups:
        group = Q()
        for term in find:
            group &= Q(folded__contains=term)
            in_title |= Q(title__icontains=term)
        for term in leave_out:
            group &= ~Q(folded__contains=term)
        match |= group
    documents = SearchDocument.objects.all()
    ordering = []
    if number:
        match |= number.q()
        documents = documents.alias(exact=models.Case(models.When(number.q(), then=1), default=0))
        ordering.append("-exact")
    if order != "date" and in_title:
        # No ranking on SQLite: a title with one of the words comes first (icontains folds
        # only ASCII there, good enough for the demo), newest first within each.
        documents = documents.alias(in_title=models.Case(models.When(in_title, then=1), default=0))
        ordering.append("-in_title")
    return documents.filter(match).order_by(*ordering, "-date", "-pk")


def _pattern(groups: list[tuple[list[str], list[str]]]) -> re.Pattern:
    terms = sorted({term for find, _leave_out in groups for term in find}, key=len, reverse=True)
    return re.compile("|".join(re.escape(term) for term in terms) or "(?!)", re.IGNORECASE)


EXCERPT_LENGTH = 240


def _excerpt(text: str, pattern: re.Pattern) -> SafeString:
    """Some words around the first match (or the opening), matches marked, the rest escaped."""
    if not text:
        return SafeString("")
    found = pattern.search(text)
    start = max(0, found.start() - EXCERPT_LENGTH // 3) if found else 0
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + EXCERPT_LENGTH)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    snippet = " ".join(text[start:end].split())
    html = _mark(snippet, pattern)
    return mark_safe(("… " if start else "") + html + (" …" if end < len(text) else ""))


def _mark(text: str, pattern: re.Pattern) -> SafeString:
    parts, last = [], 0
    for found in pattern.finditer(text):
        if found.end() == found.start():
            continue
        parts += [escape(text[last : found.start()]), "<mark>", escape(found.group()), "</mark>"]
        last = found.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))
