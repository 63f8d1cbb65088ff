"""Build, count and delete the demo data: one transaction, nothing built twice."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from cases.models import Attachment, Case
from cooperation.models import (
    Body,
    Cooperation,
    MandateVersion,
    Membership,
    Organisation,
    Person,
    StaffMembership,
)
from meetings.documents import NoticeDocument
from meetings.models import AgendaItem, Attendance, FollowUp, Meeting, MeetingEvent, MinutesDocument

from . import DEMO_SLUGS, OSLOREGIONEN, OSTLANDSSAMARBEIDET, current, logins
from . import osloregionen as oslo
from . import ostlandssamarbeidet as ostland


@dataclass
class LoadResult:
    """What load_demo did, for the command's summary."""

    deleted: bool = False
    built: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


def load_demo(*, reset: bool = False, with_logins: bool) -> LoadResult:
    """Build the demo cooperations that are missing, and (re)create the demo logins.

    Everything happens in one transaction: a failure leaves the database as it was.
    """
    result = LoadResult()
    with transaction.atomic():
        if reset:
            result.deleted = delete_demo()
        stand_in = None
        if not Cooperation.objects.filter(slug=OSLOREGIONEN).exists():
            cooperation = oslo.build_structure()
            if with_logins:
                by = logins.ensure_secretary(cooperation, "sekretar")
            else:
                by = stand_in = _stand_in_user()
            oslo.build_seed_002(cooperation)
            klaekken = oslo.build_seed_003(cooperation)
            current.build_osloregionen(cooperation, by=by, klaekken=klaekken)
            result.built.append(cooperation.name)
        if not Cooperation.objects.filter(slug=OSTLANDSSAMARBEIDET).exists():
            cooperation = ostland.build_structure()
            ostland.build_seed_000(cooperation)
            ostland.build_seed_001(cooperation)
            ostland.build_seed_004(cooperation)
            current.build_ostlandssamarbeidet(cooperation)
            result.built.append(cooperation.name)
        if stand_in:
            stand_in.delete()
        if with_logins:
            result.logins = logins.ensure_logins()
    return result


def _stand_in_user():
    """Who moves the meetings through their life when no demo logins may be created.

    The state methods need a user of the secretariat. Without demo mode this superuser, who
    cannot log in, exists only inside the build's transaction: it is deleted before the
    commit, so no user is left behind and the meetings' events show no actor.
    """
    user = get_user_model()(username="demo-loader", is_superuser=True, is_active=False)
    user.set_unusable_password()
    user.save()
    return user


def delete_demo() -> bool:
    """Delete the demo cooperations and everything that hangs off them; True if any existed.

    Meetings, memberships, cases and bodies are protected from a plain cascade (PROTECT), so
    they go first, in that order, and bodies from the leaves up.
    """
    cooperations = Cooperation.objects.filter(slug__in=DEMO_SLUGS)
    if not cooperations.exists():
        return False
    for attachment in Attachment.objects.filter(case__cooperation__in=cooperations):
        attachment.file.delete(save=False)
    for document in MinutesDocument.objects.filter(meeting__body__cooperation__in=cooperations):
        document.file.delete(save=False)
    for document in NoticeDocument.objects.filter(meeting__body__cooperation__in=cooperations):
        document.file.delete(save=False)
    Meeting.objects.filter(body__cooperation__in=cooperations).delete()
    Membership.objects.filter(body__cooperation__in=cooperations).delete()
    Case.objects.filter(cooperation__in=cooperations).delete()
    bodies = Body.objects.filter(cooperation__in=cooperations)
    while bodies.exists():
        bodies.filter(children__isnull=True).delete()
    cooperations.delete()
    return True


def demo_counts() -> list[tuple[str, int]]:
    """How many rows of each kind the demo cooperations hold, with Norwegian labels."""
    in_demo = {"cooperation__slug__in": DEMO_SLUGS}
    via_body = {"body__cooperation__slug__in": DEMO_SLUGS}
    via_meeting = {"meeting__body__cooperation__slug__in": DEMO_SLUGS}
    return [
        ("Samarbeid", Cooperation.objects.filter(slug__in=DEMO_SLUGS).count()),
        ("Organisasjoner", Organisation.objects.filter(**in_demo).count()),
        ("Organer", Body.objects.filter(**in_demo).count()),
        ("Mandatversjoner", MandateVersion.objects.filter(**via_body).count()),
        ("Personer", Person.objects.filter(**in_demo).count()),
        ("Verv", Membership.objects.filter(**via_body).count()),
        ("Sekretariatsbrukere", StaffMembership.objects.filter(**in_demo).count()),
        ("Saker", Case.objects.filter(**in_demo).count()),
        ("Vedlegg", Attachment.objects.filter(case__cooperation__slug__in=DEMO_SLUGS).count()),
        ("Møter", Meeting.objects.filter(**via_body).count()),
        ("Sakslistepunkter", AgendaItem.objects.filter(**via_body).count()),
        ("Oppmøteregistreringer", Attendance.objects.filter(**via_meeting).count()),
        (
            "Oppfølgingspunkter",
            FollowUp.objects.filter(item__body__cooperation__slug__in=DEMO_SLUGS).count(),
        ),
        ("Hendelser i møteloggen", MeetingEvent.objects.filter(**via_meeting).count()),
    ]
