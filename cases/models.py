"""Cases (saker) and their case documents (saksframlegg)."""

from __future__ import annotations

import re
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.models import Cooperation, Person, TimeStamped

# The provisions of the Freedom of Information Act (offentleglova) a secretariat uses most;
# the case editor offers them, and any other basis can be written out.
COMMON_LEGAL_BASES = [
    "Offl. § 13 jf. fvl. § 13 første ledd nr. 1",
    "Offl. § 13 jf. fvl. § 13 første ledd nr. 2",
    "Offl. § 14 første ledd",
    "Offl. § 15 første ledd",
    "Offl. § 15 andre ledd",
    "Offl. § 16",
    "Offl. § 18",
    "Offl. § 20",
    "Offl. § 21",
    "Offl. § 22",
    "Offl. § 23 første ledd",
    "Offl. § 23 tredje ledd",
    "Offl. § 24",
    "Offl. § 25",
    "Offl. § 26",
]


class CaseKind(models.TextChoices):
    DECISION = "decision", _("decision case")
    INFORMATION = "information", _("information case")
    DISCUSSION = "discussion", _("discussion case")
    REPORT = "report", _("report case")
    ELECTION = "election", _("election")
    ANY_OTHER_BUSINESS = "aob", _("any other business")
    FORMALITY = "formality", _("formality")


class Exemptable(models.Model):
    """Exemption from public access (unntatt offentlighet) with its legal basis (hjemmel)."""

    is_exempt = models.BooleanField(_("exempt from public access"), default=False)
    exemption_basis = models.CharField(
        _("legal basis"),
        max_length=200,
        blank=True,
        help_text=_("Required when exempt, e.g. 'Offl. § 14 første ledd'."),
    )

    class Meta:
        abstract = True

    def clean_exemption(self) -> None:
        if self.is_exempt and not self.exemption_basis.strip():
            raise ValidationError(
                {"exemption_basis": _("An exempt document needs its legal basis (hjemmel).")}
            )


# A case number as people type it: "12/2026", "sak 12/26", "2026/12".
REFERENCE = re.compile(r"(?:sak\.?\s*)?(?:nr\.?\s*)?(\d{1,6})\s*/\s*(\d{1,6})", re.IGNORECASE)


class CaseQuerySet(models.QuerySet):
    def of(self, cooperation: Cooperation) -> CaseQuerySet:
        return self.filter(cooperation=cooperation)

    def not_exempt(self) -> CaseQuerySet:
        """Cases whose document is not withheld. Whether the public may see a case at all
        depends on its agenda: meetings.models.cases_on_public_agenda."""
        return self.filter(is_exempt=False)

    def matching(self, query: str) -> CaseQuerySet:
        """Cases with this number ("12/2026", "12/26" or the reference "2026/12"), or, when
        the query is no number, with each of its words in their title."""
        query = query.strip()
        readings = []
        if number := REFERENCE.fullmatch(query):
            first, second = number.groups()
            if len(second) in (2, 4):  # sequence/year, as items are numbered: "12/2026", "12/26"
                readings.append((int(second) + (2000 if len(second) == 2 else 0), int(first)))
            if len(first) == 4:  # the reference itself: year/sequence
                readings.append((int(first), int(second)))
        if not readings:
            return self.filter(*(Q(title__icontains=word) for word in query.split()))
        return self.filter(reduce(or_, (Q(year=y, sequence=s) for y, s in readings)))


class Case(TimeStamped, Exemptable):
    """A matter before one or more bodies, with its case document."""

    Kind = CaseKind

    cooperation = models.ForeignKey(
        Cooperation, on_delete=models.CASCADE, related_name="cases", verbose_name=_("cooperation")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind, default=CaseKind.DECISION)
    title = models.CharField(_("title"), max_length=300)
    public_title = models.CharField(
        _("public title"),
        max_length=300,
        blank=True,
        help_text=_("Shown to the public instead of the title when the case is exempt."),
    )
    responsible = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("officer responsible"),
    )
    proposed_decision = models.TextField(_("proposed decision"), blank=True)
    background = models.TextField(_("background"), blank=True)
    assessment = models.TextField(_("the secretariat's assessment"), blank=True)
    references = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="referenced_by",
        verbose_name=_("references to other cases"),
    )
    external_references = models.TextField(
        _("references outside the system"),
        blank=True,
        help_text=_("One per line, e.g. 'FT sak 59/19' or a link to another meeting portal."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperation", "year", "sequence"],
                name="unique_case_reference",
                violation_error_message=_("Another case already has this reference."),
            ),
            models.CheckConstraint(
                condition=Q(is_exempt=False) | ~Q(exemption_basis=""),
                name="case_exempt_has_basis",
                violation_error_message=_("An exempt document needs its legal basis (hjemmel)."),
            ),
            models.CheckConstraint(
                condition=Q(is_exempt=False) | ~Q(public_title=""),
                name="case_exempt_has_public_title",
                violation_error_message=_("An exempt case needs a title that can be made public."),
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="case_sequence_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"{self.year}/{self.sequence}"

    @property
    def title_for_public(self) -> str:
        return self.public_title if self.is_exempt else self.title

    def clean(self) -> None:
        self.clean_exemption()
        if self.is_exempt and not self.public_title.strip():
            raise ValidationError(
                {"public_title": _("An exempt case needs a title that can be made public.")}
            )

    @classmethod
    def _next_sequence(cls, cooperation: Cooperation, year: int) -> int:
        # Called inside create_for's transaction. The cooperation row is locked so that two
        # cases created at once cannot share a number.
        Cooperation.objects.select_for_update(no_key=True).filter(pk=cooperation.pk).first()
        last = cls.objects.filter(cooperation=cooperation, year=year).aggregate(n=Max("sequence"))
        return (last["n"] or 0) + 1

    @classmethod
    def create_for(cls, cooperation: Cooperation, **fields) -> Case:
        """Create a case with the next cooperation-wide reference of the current year."""
        year = fields.pop("year", None) or timezone.localdate().year
        with transaction.atomic():
            sequence = cls._next_sequence(cooperation, year)
            case = cls(cooperation=cooperation, year=year, sequence=sequence, **fields)
            case.full_clean()
            case.save()
        return case


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"cases/{instance.case.cooperation_id}/{instance.case_id}/{filename}"


class AttachmentQuerySet(models.QuerySet):
    def not_exempt(self) -> AttachmentQuerySet:
        """Attachments neither withheld themselves nor through their case. Whether the
        public may fetch one depends on its case's agenda: meetings.models.attachments_served."""
        return self.filter(is_exempt=False, case__is_exempt=False)


class Attachment(TimeStamped, Exemptable):
    """A file attached to a case document (vedlegg)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case")
    )
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=500)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_exempt=False) | ~Q(exemption_basis=""),
                name="attachment_exempt_has_basis",
                violation_error_message=_("An exempt document needs its legal basis (hjemmel)."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        self.clean_exemption()
